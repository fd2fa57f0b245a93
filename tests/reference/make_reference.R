# Reference values from R's survival package for netsurv's survival tests.
#
# Run from the repository root (after make_reference_data.py has written tests/reference/data):
#
#     Rscript tests/reference/make_reference.R
#
# Writes tests/reference/expected/{km,logrank,cox}.json.  Every number is written with
# sprintf("%.17g") (exact round trip); non-finite values are written as the strings "NA", "NaN",
# "Inf" and "-Inf".  Each case records its own arguments so the Python tests can be driven from
# the JSON alone.  Needs only base R and survival (jsonlite caps numbers at 15 digits, so a small
# writer is included here).

suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "tests/reference"
data_dir <- file.path(here, "data")
out_dir <- file.path(here, "expected")
dir.create(out_dir, showWarnings = FALSE)

source(file.path(here, "json_writer.R"))  # to_json, write_json_file, read_data

datasets <- list()
for (nm in c("rossi", "waltons", "lung", "larynx", "gbsg2", "stanford", "ties", "monotone")) {
  datasets[[nm]] <- read_data(nm)
}

surv_formula <- function(duration, event, rhs, start = NULL) {
  lhs <- if (is.null(start)) sprintf("Surv(`%s`, `%s`)", duration, event)
         else sprintf("Surv(`%s`, `%s`, `%s`)", start, duration, event)
  as.formula(paste(lhs, "~", rhs))
}
bq <- function(x) paste0("`", x, "`")

# ---------------------------------------------------------------------------------------------
# Kaplan-Meier: survfit (three conf.types), print table with rmean, summary at given times
# robust = NA: R's default (robust for non-integer weights; the args record what R chose)
km_case <- function(name, data, duration, event, by = NULL, weights = NULL, conf_type = "log",
                    tau, times, robust = FALSE) {
  d <- datasets[[data]]
  rhs <- if (is.null(by)) "1" else paste(bq(by), collapse = " + ")
  used <- c(duration, event, by, weights)
  d <- d[complete.cases(d[, used, drop = FALSE]), , drop = FALSE]
  f <- surv_formula(duration, event, rhs)
  fit <- if (is.null(weights)) {
    survfit(f, data = d, conf.type = conf_type)
  } else if (is.na(robust)) {
    d$.w <- d[[weights]]
    survfit(f, data = d, weights = .w, conf.type = conf_type)
  } else {
    d$.w <- d[[weights]]
    survfit(f, data = d, weights = .w, conf.type = conf_type, robust = robust)
  }
  if (is.na(robust)) robust <- any(d[[weights]] != floor(d[[weights]]))
  groups <- if (is.null(fit$strata)) "all"
            else if (length(by) > 1) names(fit$strata) else sub("^[^=]*=", "", names(fit$strata))
  # fit$std.err is on the cumulative-hazard (log) scale unless robust (fit$logse = FALSE)
  se_log <- if (isFALSE(fit$logse)) fit$std.err / fit$surv else fit$std.err
  strata_id <- if (is.null(fit$strata)) rep(1L, length(fit$time)) else rep(seq_along(fit$strata), fit$strata)
  curves <- lapply(seq_along(groups), function(k) {
    i <- strata_id == k
    list(group = groups[k], time = I(fit$time[i]), n_risk = I(fit$n.risk[i]),
         n_event = I(fit$n.event[i]), n_censor = I(fit$n.censor[i]), surv = I(fit$surv[i]),
         std_err_log = I(se_log[i]), lower = I(fit$lower[i]), upper = I(fit$upper[i]))
  })
  tab <- summary(fit, rmean = tau)$table
  if (!is.matrix(tab)) tab <- t(as.matrix(tab))
  medians <- list(group = I(groups), records = I(tab[, "records"]), n = I(tab[, "n.max"]),
                  events = I(tab[, "events"]), rmean = I(tab[, "rmean"]),
                  se_rmean = I(tab[, "se(rmean)"]), median = I(tab[, "median"]),
                  lower = I(tab[, grep("LCL$", colnames(tab))]),
                  upper = I(tab[, grep("UCL$", colnames(tab))]))
  s <- summary(fit, times = times, extend = TRUE)
  sgroups <- if (is.null(s$strata)) rep("all", length(s$time))
             else if (length(by) > 1) as.character(s$strata)
             else sub("^[^=]*=", "", as.character(s$strata))
  at <- list(group = I(sgroups), time = I(s$time), n_risk = I(s$n.risk), n_event = I(s$n.event),
             n_censor = I(s$n.censor), surv = I(s$surv), std_err = I(s$std.err),
             lower = I(s$lower), upper = I(s$upper))
  list(name = name,
       args = list(data = data, duration_col = duration, event_col = event,
                   by = if (length(by) > 1) I(by) else by,
                   weights_col = weights, conf_type = conf_type, conf_level = 0.95,
                   robust = robust),
       tau = tau, times = I(times), curves = curves, medians = medians, at = at)
}

km_cases <- list()
for (ct in c("log", "log-log", "plain")) {
  tag <- gsub("-", "", ct)
  km_cases[[length(km_cases) + 1]] <- km_case(paste0("waltons_group_", tag), "waltons", "T", "E",
    by = "group", conf_type = ct, tau = 60, times = c(0, 10, 33.5, 50, 80))
  km_cases[[length(km_cases) + 1]] <- km_case(paste0("lung_all_", tag), "lung", "time", "status",
    conf_type = ct, tau = 365, times = c(0, 100, 365, 730, 1100))
  km_cases[[length(km_cases) + 1]] <- km_case(paste0("lung_sex_", tag), "lung", "time", "status",
    by = "sex", conf_type = ct, tau = 500, times = c(0, 183, 365, 800))
  km_cases[[length(km_cases) + 1]] <- km_case(paste0("ties_group_", tag), "ties", "time", "event",
    by = "group", conf_type = ct, tau = 10, times = c(0, 2, 5, 6.5, 9, 20))
  km_cases[[length(km_cases) + 1]] <- km_case(paste0("ties_weighted_", tag), "ties", "time", "event",
    by = "group", weights = "w", conf_type = ct, tau = 11, times = c(0, 3, 8, 12.5))
}
km_cases[[length(km_cases) + 1]] <- km_case("ties_all_log", "ties", "time", "event",
  conf_type = "log", tau = 14, times = c(1, 4, 14))
km_cases[[length(km_cases) + 1]] <- km_case("rossi_fin_log", "rossi", "week", "arrest",
  by = "fin", conf_type = "log", tau = 52, times = c(10, 26, 52))
km_cases[[length(km_cases) + 1]] <- km_case("gbsg2_horTh_loglog", "gbsg2", "time", "cens",
  by = "horTh", conf_type = "log-log", tau = 1825, times = c(365, 1095, 1825))
km_cases[[length(km_cases) + 1]] <- km_case("larynx_stage_plain", "larynx", "time", "death",
  by = "stage", conf_type = "plain", tau = 5, times = c(1, 2.5, 5))
km_cases[[length(km_cases) + 1]] <- km_case("gbsg2_all_log90", "gbsg2", "time", "cens",
  conf_type = "log", tau = 2000, times = c(500, 1500))
km_cases[[length(km_cases)]]$args$conf_level <- 0.9
km_cases[[length(km_cases)]] <- within(km_cases[[length(km_cases)]], {
  d <- datasets$gbsg2
  fit <- survfit(Surv(time, cens) ~ 1, data = d, conf.int = 0.9)
  curves[[1]]$lower <- I(fit$lower)
  curves[[1]]$upper <- I(fit$upper)
  tab <- summary(fit, rmean = 2000)$table
  medians$lower <- I(tab[["0.9LCL"]])
  medians$upper <- I(tab[["0.9UCL"]])
  s <- summary(fit, times = c(500, 1500))
  at$lower <- I(s$lower)
  at$upper <- I(s$upper)
  rm(d, fit, tab, s)
})
# R's default variance for non-integer case weights (robust, infinitesimal jackknife), and
# curves by several columns (R's "a=1, b=x" strata labels)
km_cases[[length(km_cases) + 1]] <- km_case("ties_weighted_robust_log", "ties", "time", "event",
  by = "group", weights = "w", conf_type = "log", tau = 11, times = c(0, 3, 8, 12.5), robust = NA)
km_cases[[length(km_cases) + 1]] <- km_case("ties_weighted_robust_loglog_all", "ties", "time",
  "event", weights = "w", conf_type = "log-log", tau = 11, times = c(2, 9), robust = NA)
km_cases[[length(km_cases) + 1]] <- km_case("lung_weighted_robust_sex", "lung", "time", "status",
  by = "sex", weights = "w", conf_type = "log", tau = 500, times = c(100, 365), robust = NA)
km_cases[[length(km_cases) + 1]] <- km_case("lung_sex_ecog", "lung", "time", "status",
  by = c("sex", "ph.ecog"), conf_type = "log", tau = 500, times = c(100, 365))
km_cases[[length(km_cases) + 1]] <- km_case("ties_group_stratum", "ties", "time", "event",
  by = c("group", "stratum"), conf_type = "plain", tau = 10, times = c(2, 6))
write_json_file(km_cases, "km.json")

# ---------------------------------------------------------------------------------------------
# Log-rank: survdiff (rho = 0), per-group table, stratified; trend statistic from its pieces
logrank_case <- function(name, data, duration, event, by, strata = NULL, scores = NULL) {
  d <- datasets[[data]]
  used <- c(duration, event, by, strata)
  d <- d[complete.cases(d[, used, drop = FALSE]), , drop = FALSE]
  rhs <- paste(bq(by), collapse = " + ")
  if (!is.null(strata)) rhs <- paste0(rhs, " + strata(", bq(strata), ")")
  sd <- survdiff(surv_formula(duration, event, rhs), data = d)
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  expd <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  groups <- if (length(by) > 1) names(sd$n) else sub("^[^=]*=", "", names(sd$n))
  keep <- expd > 0
  df <- sum(keep) - 1
  out <- list(name = name,
              args = list(data = data, duration_col = duration, event_col = event,
                          by = if (length(by) > 1) I(by) else by, strata = strata),
              group = I(groups), n = I(as.numeric(sd$n)), observed = I(obs), expected = I(expd),
              var = sd$var, chisq = sd$chisq, df = df,
              p = pchisq(sd$chisq, df, lower.tail = FALSE))
  if (!is.null(scores)) {
    u <- sum(scores * (obs - expd))
    v <- drop(t(scores) %*% sd$var %*% scores)
    out$trend <- list(scores = I(scores), chisq = u^2 / v, df = 1,
                      p = pchisq(u^2 / v, 1, lower.tail = FALSE))
    # the same statistic as the score test of a Cox model with the exact partial likelihood
    f <- paste(bq(by), if (is.null(strata)) "" else paste0("+ strata(", bq(strata), ")"))
    d$.score <- scores[match(as.character(d[[by]]), groups)]
    rhs2 <- if (is.null(strata)) ".score" else paste0(".score + strata(", bq(strata), ")")
    cx <- coxph(surv_formula(duration, event, rhs2), data = d, ties = "exact", iter.max = 0)
    out$trend$coxph_exact_score <- cx$score
  }
  out
}
logrank_cases <- list(
  logrank_case("waltons_group", "waltons", "T", "E", "group"),
  logrank_case("lung_sex", "lung", "time", "status", "sex"),
  logrank_case("lung_ecog", "lung", "time", "status", "ph.ecog", scores = c(0, 1, 2, 3)),
  logrank_case("lung_sex_by_ecog", "lung", "time", "status", "sex", strata = "ph.ecog"),
  logrank_case("larynx_stage", "larynx", "time", "death", "stage", scores = c(1, 2, 3, 4)),
  logrank_case("gbsg2_tgrade_by_horTh", "gbsg2", "time", "cens", "tgrade", strata = "horTh",
               scores = c(1, 2, 3)),
  logrank_case("rossi_fin_by_race", "rossi", "week", "arrest", "fin", strata = "race"),
  logrank_case("ties_group", "ties", "time", "event", "group", scores = c(1, 2, 3)),
  logrank_case("ties_group_by_stratum", "ties", "time", "event", "group", strata = "stratum"),
  logrank_case("lung_sex_ecog", "lung", "time", "status", c("sex", "ph.ecog")),
  logrank_case("ties_group_x2_by_stratum", "ties", "time", "event", c("group", "x2"),
               strata = "stratum")
)
write_json_file(logrank_cases, "logrank.json")

# ---------------------------------------------------------------------------------------------
# Cox: coxph (efron / breslow, strata, weights, robust, start-stop), tests, concordance, cox.zph
# robust = NA: R's default (robust for non-integer weights); the args then carry robust = null
cox_case <- function(name, data, duration, event, covariates, ties = "efron", strata = NULL,
                     weights = NULL, robust = FALSE, cluster = NULL, start = NULL,
                     zph_transforms = c("km"), zph_residuals = FALSE) {
  d <- datasets[[data]]
  used <- c(start, duration, event, covariates, strata, weights, cluster)
  n_all <- nrow(d)
  d <- d[complete.cases(d[, used, drop = FALSE]), , drop = FALSE]
  rhs <- paste(bq(covariates), collapse = " + ")
  if (!is.null(strata)) rhs <- paste0(rhs, " + strata(", paste(bq(strata), collapse = ", "), ")")
  f <- surv_formula(duration, event, rhs, start = start)
  environment(f) <- environment()  # cox.zph re-evaluates the model frame from the call
  d$.w <- if (is.null(weights)) rep(1, nrow(d)) else d[[weights]]
  warn <- character(0)
  if (!is.null(cluster)) d$.cl <- d[[cluster]]
  do_fit <- function() {
    if (!is.null(cluster)) coxph(f, data = d, ties = ties, weights = .w, cluster = .cl)
    else if (is.na(robust)) coxph(f, data = d, ties = ties, weights = .w)
    else coxph(f, data = d, ties = ties, weights = .w, robust = robust)
  }
  fit <- withCallingHandlers(do_fit(),
    warning = function(w) {
      warn <<- c(warn, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  s <- summary(fit)
  zph <- list()
  for (tr in zph_transforms) {
    z <- cox.zph(fit, transform = tr)
    zz <- list(term = I(rownames(z$table)), chisq = I(z$table[, "chisq"]),
               df = I(z$table[, "df"]), p = I(z$table[, "p"]))
    if (zph_residuals) {
      zz$time <- I(z$time)
      zz$x <- I(z$x)
      zz$y <- z$y
    }
    zph[[tr]] <- zz
  }
  out <- list(
    name = name,
    args = list(data = data, duration_col = duration, event_col = event,
                covariates = I(covariates), ties = ties, strata = if (is.null(strata)) NULL else I(strata),
                weights_col = weights,
                robust = if (is.na(robust)) NULL else robust || !is.null(cluster),
                cluster_col = cluster,
                start_col = start),
    n = fit$n, events = fit$nevent, n_dropped = n_all - fit$n,
    coef = I(unname(coef(fit))), var = unname(fit$var),
    naive_var = if (is.null(fit$naive.var)) NULL else unname(fit$naive.var),
    loglik = I(fit$loglik), score = fit$score, wald = unname(fit$wald.test),
    robust_score = if (is.null(fit$rscore)) NULL else fit$rscore,
    aic = AIC(fit), iter = fit$iter,
    concordance = as.list(fit$concordance[c("concordant", "discordant", "tied.x", "tied.y",
                                            "tied.xy", "concordance", "std")]),
    warnings = I(warn), zph = zph)
  names(out$concordance) <- c("concordant", "discordant", "tied_x", "tied_y", "tied_xy",
                              "concordance", "std")
  out
}
rossi_cov <- c("fin", "age", "race", "wexp", "mar", "paro", "prio")
cox_cases <- list(
  cox_case("rossi_efron", "rossi", "week", "arrest", rossi_cov,
           zph_transforms = c("km", "identity", "rank", "log"), zph_residuals = TRUE),
  cox_case("rossi_breslow", "rossi", "week", "arrest", rossi_cov, ties = "breslow",
           zph_residuals = TRUE),
  cox_case("rossi_strata_wexp", "rossi", "week", "arrest",
           c("fin", "age", "race", "mar", "paro", "prio"), strata = "wexp", zph_residuals = TRUE),
  cox_case("rossi_robust", "rossi", "week", "arrest", c("fin", "age", "prio"), robust = TRUE),
  cox_case("lung_efron", "lung", "time", "status", c("age", "sex", "ph.ecog")),
  cox_case("lung_breslow_strata_sex", "lung", "time", "status", c("age", "ph.ecog"),
           ties = "breslow", strata = "sex"),
  cox_case("lung_two_strata", "lung", "time", "status", c("age", "ph.karno"),
           strata = c("sex", "ph.ecog")),
  cox_case("larynx_efron", "larynx", "time", "death", c("age", "Stage_II", "Stage_III", "Stage_IV")),
  cox_case("larynx_breslow", "larynx", "time", "death", c("age", "Stage_II", "Stage_III", "Stage_IV"),
           ties = "breslow"),
  cox_case("gbsg2_strata_grade", "gbsg2", "time", "cens",
           c("age", "tsize", "pnodes", "progrec", "estrec", "hormon", "postmeno"), strata = "tgrade",
           zph_transforms = c("km", "identity")),
  cox_case("ties_efron", "ties", "time", "event", c("x1", "x2"), zph_residuals = TRUE),
  cox_case("ties_breslow", "ties", "time", "event", c("x1", "x2"), ties = "breslow",
           zph_residuals = TRUE),
  cox_case("ties_weighted_efron", "ties", "time", "event", c("x1", "x2", "grp"), weights = "w",
           zph_residuals = TRUE),
  cox_case("ties_weighted_breslow_strata", "ties", "time", "event", c("x1", "x2"), weights = "w",
           ties = "breslow", strata = "stratum"),
  cox_case("ties_weighted_robust", "ties", "time", "event", c("x1", "x2"), weights = "w",
           robust = TRUE),
  cox_case("stanford_efron", "stanford", "stop", "event", c("age", "year", "surgery", "transplant"),
           start = "start", zph_transforms = c("km", "identity")),
  cox_case("stanford_breslow", "stanford", "stop", "event", c("age", "year", "surgery", "transplant"),
           start = "start", ties = "breslow"),
  cox_case("stanford_cluster", "stanford", "stop", "event", c("age", "year", "surgery", "transplant"),
           start = "start", cluster = "id"),
  cox_case("stanford_strata_surgery", "stanford", "stop", "event", c("age", "year", "transplant"),
           start = "start", strata = "surgery"),
  cox_case("monotone", "monotone", "time", "event", c("x", "z"), zph_transforms = character(0)),
  cox_case("ties_weighted_default", "ties", "time", "event", c("x1", "x2"), weights = "w",
           robust = NA),
  cox_case("lung_weighted_default", "lung", "time", "status", c("age", "sex"), weights = "w",
           robust = NA, strata = "inst_known")
)
write_json_file(cox_cases, "cox.json")
