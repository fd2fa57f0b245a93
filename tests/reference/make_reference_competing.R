# Reference values for netsurv's competing-risks statistics, from R's survival and cmprsk.
#
# Run from the repository root (after make_reference_competing_data.py has written
# tests/reference/data/cr_*.csv):
#
#     Rscript tests/reference/make_reference_competing.R
#
# Writes tests/reference/data/mgus2.csv (survival's mgus2: time to plasma-cell malignancy, PCM,
# with death as the competing event) and tests/reference/expected/{cif,gray,finegray}.json:
#   cif.json       survfit(Surv(time, factor(status)) ~ group) multi-state curves (Aalen-Johansen
#                  with the infinitesimal-jackknife std.err; three conf.types; case weights) and
#                  cmprsk::cuminc's estimates and delta-method variances (timepoints()).
#   gray.json      cmprsk::cuminc(...)$Tests: Gray's test per cause (rho, strata).
#   finegray.json  coxph(Surv(fgstart, fgstop, fgstatus) ~ x + cluster(id), weights = fgwt,
#                  data = finegray(...)) (Efron and Breslow; censoring strata; case weights);
#                  cmprsk::crr on untied and tied data, with a censoring group and with
#                  imbalanced grade indicators (coefficients, log-likelihoods and crr's own
#                  Fine-Gray variance, fit$var); cause-specific
#                  coxph(Surv(time, status == k) ~ x).
# Numbers are written with sprintf("%.17g") by json_writer.R.

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "tests/reference"
data_dir <- file.path(here, "data")
out_dir <- file.path(here, "expected")
dir.create(out_dir, showWarnings = FALSE)
source(file.path(here, "json_writer.R"))  # to_json, write_json_file, read_data

# ---------------------------------------------------------------------------------------------
# mgus2: time to PCM (status 1) or death without PCM (status 2), months
m <- survival::mgus2
mgus <- data.frame(
  id = m$id,
  time = ifelse(m$pstat == 0, m$futime, m$ptime),
  status = ifelse(m$pstat == 0, 2 * m$death, 1),
  sex = m$sex,
  age = m$age,
  hgb = m$hgb,
  male = as.integer(m$sex == "M"),
  ageg = as.character(cut(m$age, c(0, 60, 70, 80, 200), labels = c("a<60", "b60-69", "c70-79", "d80+"))),
  w = c(1, 2, 0.5, 1.5)[(seq_len(nrow(m)) %% 4) + 1]
)
write.csv(mgus, file.path(data_dir, "mgus2.csv"), row.names = FALSE)
cat("wrote", file.path(data_dir, "mgus2.csv"), "\n")

datasets <- list(mgus2 = mgus)
for (nm in c("cr_ties", "cr_cont", "cr_net")) datasets[[nm]] <- read_data(nm)
datasets$cr_net_recist <- subset(datasets$cr_net, criterion == "recist1.1")
datasets$cr_net_recist$g3 <- as.integer(datasets$cr_net_recist$g3)

# ---------------------------------------------------------------------------------------------
# Aalen-Johansen curves: survfit multi-state (IJ variance) and cmprsk::cuminc (delta method)
cif_case <- function(name, data, by = NULL, weights = NULL, conf_type = "log", times) {
  d <- datasets[[data]]
  used <- c("time", "status", by, weights)
  d <- d[complete.cases(d[, used, drop = FALSE]), , drop = FALSE]
  k <- max(d$status)
  d$.ev <- factor(d$status, 0:k)
  rhs <- if (is.null(by)) "1" else paste0("`", by, "`")
  f <- as.formula(paste("Surv(time, .ev) ~", rhs))
  fit <- if (is.null(weights)) survfit(f, data = d, conf.type = conf_type)
         else { d$.w <- d[[weights]]; survfit(f, data = d, weights = .w, conf.type = conf_type) }
  groups <- if (is.null(fit$strata)) "all" else sub("^[^=]*=", "", names(fit$strata))
  sid <- if (is.null(fit$strata)) rep(1L, length(fit$time)) else rep(seq_along(fit$strata), fit$strata)
  curves <- list()
  for (g in seq_along(groups)) for (cause in seq_len(k)) {
    i <- sid == g
    curve <- list(
      group = groups[g], cause = cause, time = I(fit$time[i]), n_risk = I(fit$n.risk[i, 1]),
      cif = I(fit$pstate[i, cause + 1]), std_err = I(fit$std.err[i, cause + 1]),
      lower = I(fit$lower[i, cause + 1]), upper = I(fit$upper[i, cause + 1]))
    # another conf.type on the same curves: only its limits (keeps the file small)
    if (conf_type != "log") curve <- curve[c("group", "cause", "time", "lower", "upper")]
    curves[[length(curves) + 1]] <- curve
  }
  s <- summary(fit, times = times, extend = TRUE)
  sg <- if (is.null(s$strata)) rep("all", length(s$time)) else sub("^[^=]*=", "", as.character(s$strata))
  at <- list(group = I(sg), time = I(s$time), n_risk = I(s$n.risk[, 1]),
             cif = s$pstate[, -1, drop = FALSE], std_err = s$std.err[, -1, drop = FALSE],
             lower = s$lower[, -1, drop = FALSE], upper = s$upper[, -1, drop = FALSE])
  out <- list(name = name,
              args = list(data = data, duration_col = "time", event_col = "status", by = by,
                          weights_col = weights, conf_type = conf_type, variance = "ij"),
              causes = I(seq_len(k)), curves = curves, at = at)
  if (is.null(weights) && conf_type == "log") {
    # cmprsk: estimates and delta-method variances at the distinct times of each group
    grp <- if (is.null(by)) rep("all", nrow(d)) else as.character(d[[by]])
    ci <- cuminc(d$time, d$status, grp)
    curves_ci <- ci[setdiff(names(ci), "Tests")]
    cuminc_rows <- lapply(names(curves_ci), function(r) {
      parts <- strsplit(r, " ")[[1]]
      g <- paste(parts[-length(parts)], collapse = " ")
      ut <- sort(unique(d$time[grp == g]))
      tp <- timepoints(curves_ci[r], ut)
      list(group = g, cause = as.numeric(parts[length(parts)]),
           time = I(ut), est = I(unname(tp$est[1, ])), var = I(unname(tp$var[1, ])))
    })
    out$cuminc <- cuminc_rows
  }
  out
}

cif_cases <- list(
  cif_case("mgus2_sex_log", "mgus2", by = "sex", times = c(0, 12, 60, 120, 240, 400)),
  cif_case("mgus2_all_loglog", "mgus2", conf_type = "log-log", times = c(6, 60, 300)),
  cif_case("mgus2_sex_plain", "mgus2", by = "sex", conf_type = "plain", times = c(30, 180)),
  cif_case("mgus2_sex_weighted", "mgus2", by = "sex", weights = "w", times = c(60, 200)),
  cif_case("cr_ties_group", "cr_ties", by = "group", times = c(0, 1, 2.5, 6, 9, 15)),
  cif_case("cr_ties_weighted", "cr_ties", by = "group", weights = "w", times = c(1, 4, 10)),
  cif_case("cr_net_criterion", "cr_net", by = "criterion", times = c(90, 365, 730))
)
write_json_file(cif_cases, "cif.json")

# ---------------------------------------------------------------------------------------------
# Gray's test
gray_case <- function(name, data, by, strata = NULL, rho = 0) {
  d <- datasets[[data]]
  used <- c("time", "status", by, strata)
  d <- d[complete.cases(d[, used, drop = FALSE]), , drop = FALSE]
  ci <- if (is.null(strata)) cuminc(d$time, d$status, d[[by]], rho = rho)
        else cuminc(d$time, d$status, d[[by]], strata = d[[strata]], rho = rho)
  tests <- ci$Tests
  list(name = name,
       args = list(data = data, duration_col = "time", event_col = "status", by = by,
                   strata = strata, rho = rho),
       cause = I(as.numeric(rownames(tests))), statistic = I(unname(tests[, "stat"])),
       df = I(unname(tests[, "df"])), p_value = I(unname(tests[, "pv"])))
}
gray_cases <- list(
  gray_case("mgus2_sex", "mgus2", "sex"),
  gray_case("mgus2_sex_rho1", "mgus2", "sex", rho = 1),
  gray_case("mgus2_ageg", "mgus2", "ageg"),
  gray_case("mgus2_ageg_by_sex_rho05", "mgus2", "ageg", strata = "sex", rho = 0.5),
  gray_case("cr_ties_group", "cr_ties", "group"),
  gray_case("cr_ties_group_by_stratum", "cr_ties", "group", strata = "stratum"),
  gray_case("cr_net_recist_g3", "cr_net_recist", "g3")
)
write_json_file(gray_cases, "gray.json")

# ---------------------------------------------------------------------------------------------
# Fine-Gray via finegray + coxph (cluster on the subject), crr, cause-specific coxph
fg_case <- function(name, data, covariates, cause = 1, ties = "efron", cens_strata = NULL,
                    weights = NULL) {
  d <- datasets[[data]]
  used <- c("time", "status", covariates, cens_strata, weights)
  d <- d[complete.cases(d[, used, drop = FALSE]), , drop = FALSE]
  k <- max(d$status)
  d$.ev <- factor(d$status, 0:k)
  d$.id <- seq_len(nrow(d))
  keep <- c(".id", covariates, cens_strata, weights)
  dd <- d[, c("time", ".ev", keep)]
  rhs <- paste(c(".", if (!is.null(cens_strata)) paste0("strata(", cens_strata, ")")), collapse = " + ")
  fgf <- as.formula(paste("Surv(time, .ev) ~", rhs))
  pd <- if (is.null(weights)) finegray(fgf, data = dd, etype = as.character(cause))
        else { dd$.w <- d[[weights]]; finegray(fgf, data = dd, etype = as.character(cause), weights = .w) }
  crhs <- paste(c(covariates, if (!is.null(cens_strata)) paste0("strata(", cens_strata, ")"),
                  "cluster(.id)"), collapse = " + ")
  fit <- coxph(as.formula(paste("Surv(fgstart, fgstop, fgstatus) ~", crhs)), data = pd,
               weights = fgwt, ties = ties)
  list(name = name,
       args = list(data = data, duration_col = "time", event_col = "status",
                   covariates = I(covariates), cause = cause, ties = ties,
                   strata = cens_strata, censoring_groups = cens_strata, weights_col = weights),
       n = nrow(d), events = sum(d$status == cause),
       coef = I(unname(coef(fit))), var = unname(fit$var), naive_var = unname(fit$naive.var),
       loglik = I(fit$loglik))
}
crr_case <- function(name, data, covariates, cause = 1, cengroup = NULL) {
  d <- datasets[[data]]
  d <- d[complete.cases(d[, c("time", "status", covariates, cengroup), drop = FALSE]), ]
  x <- as.matrix(d[, covariates])
  fit <- if (is.null(cengroup)) crr(d$time, d$status, x, failcode = cause, gtol = 1e-12, maxiter = 100)
         else crr(d$time, d$status, x, failcode = cause, cengroup = d[[cengroup]], gtol = 1e-12,
                  maxiter = 100)
  list(name = name,
       args = list(data = data, duration_col = "time", event_col = "status",
                   covariates = I(covariates), cause = cause, ties = "breslow",
                   censoring_groups = cengroup),
       n = nrow(d), ties = any(duplicated(d$time)),
       coef = I(unname(fit$coef)), loglik_null = fit$loglik.null, loglik = fit$loglik,
       crr_se = I(unname(sqrt(diag(fit$var)))), crr_var = unname(fit$var),
       converged = fit$converged)
}
cs_case <- function(name, data, covariates, cause = 1, ties = "efron") {
  d <- datasets[[data]]
  d <- d[complete.cases(d[, c("time", "status", covariates)]), ]
  d$.e <- as.integer(d$status == cause)
  fit <- coxph(as.formula(paste("Surv(time, .e) ~", paste(covariates, collapse = " + "))),
               data = d, ties = ties)
  list(name = name,
       args = list(data = data, duration_col = "time", event_col = "status",
                   covariates = I(covariates), cause = cause, ties = ties),
       coef = I(unname(coef(fit))), var = unname(fit$var), loglik = I(fit$loglik),
       score = fit$score)
}
fg_cases <- list(
  fg_case("mgus2_pcm_efron", "mgus2", c("age", "male", "hgb")),
  fg_case("mgus2_pcm_breslow", "mgus2", c("age", "male", "hgb"), ties = "breslow"),
  fg_case("mgus2_death_efron", "mgus2", c("age", "male", "hgb"), cause = 2),
  fg_case("mgus2_pcm_censoring_by_sex", "mgus2", c("age", "hgb"), cens_strata = "male"),
  fg_case("mgus2_pcm_weighted", "mgus2", c("age", "male", "hgb"), weights = "w"),
  fg_case("cr_ties_efron", "cr_ties", c("x1", "x2")),
  fg_case("cr_ties_cause2_breslow_weighted", "cr_ties", c("x1", "x2"), cause = 2,
          ties = "breslow", weights = "w"),
  fg_case("cr_net_recist", "cr_net_recist", c("g2", "g3")),
  fg_case("cr_cont_breslow", "cr_cont", c("x1", "x2"), ties = "breslow")
)
crr_cases <- list(
  crr_case("cr_cont_crr", "cr_cont", c("x1", "x2")),
  crr_case("cr_cont_crr_cause2", "cr_cont", c("x1", "x2"), cause = 2),
  crr_case("cr_cont_crr_cengroup", "cr_cont", c("x1", "x2"), cengroup = "x2"),
  crr_case("mgus2_pcm_crr", "mgus2", c("age", "male", "hgb")),
  crr_case("mgus2_death_crr_cengroup_sex", "mgus2", c("age", "hgb"), cause = 2, cengroup = "male"),
  crr_case("cr_ties_crr", "cr_ties", c("x1", "x2")),
  crr_case("cr_ties_crr_cause2", "cr_ties", c("x1", "x2"), cause = 2),
  crr_case("cr_net_recist_crr_grade", "cr_net_recist", c("g2", "g3"))
)
cs_cases <- list(
  cs_case("mgus2_pcm", "mgus2", c("age", "male", "hgb")),
  cs_case("mgus2_death_breslow", "mgus2", c("age", "male", "hgb"), cause = 2, ties = "breslow"),
  cs_case("cr_net_recist_progression", "cr_net_recist", c("g2", "g3"))
)
tag <- function(cases, kind) lapply(cases, function(x) c(list(kind = kind), x))
write_json_file(c(tag(fg_cases, "finegray"), tag(crr_cases, "crr"),
                  tag(cs_cases, "cause_specific")), "finegray.json")
