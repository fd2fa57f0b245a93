# Reference values for netsurv's group comparisons and rates, from R (base R and survival).
#
# Run from the repository root (after make_reference_data.py and
# make_reference_competing_data.py have written tests/reference/data):
#
#     Rscript tests/reference/make_reference_comparisons.R
#
# Writes tests/reference/expected/:
#   weighted_logrank.json  Fleming-Harrington G(rho, gamma) tests.  R's survdiff has rho only,
#                          so every case is computed by the textbook formula below, written out
#                          step by step (weights S(t-)^rho (1 - S(t-))^gamma from the pooled
#                          left-continuous Kaplan-Meier curve of each stratum, weighted O - E and
#                          hypergeometric variance); where survdiff applies (gamma = 0, no case
#                          weights) its chi-square is recorded too and must agree (checked here).
#   rmst.json              summary(survfit(...), rmean = tau)$table (RMST, se(rmean)) and the
#                          difference / ratio / RMTL-ratio contrasts of survRM2::rmst2
#                          (unadjusted), by their formulas.
#   milestone.json         summary(survfit(...), times = t) (surv, std.err) and the difference
#                          and complementary log-log contrasts, by their formulas.
#   proportions.json       binom.test (Clopper-Pearson), mcnemar.test, exact McNemar (binom.test
#                          on the discordant pairs) and Newcombe's paired interval (method 10) from
#                          prop.test's Wilson limits.
#   followup.json          median follow-up: print(survfit(Surv(time, 1 - status) ~ by)).

suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "tests/reference"
data_dir <- file.path(here, "data")
out_dir <- file.path(here, "expected")
source(file.path(here, "json_writer.R"))  # to_json, write_json_file, read_data

datasets <- list()
for (nm in c("lung", "waltons", "ties", "larynx", "gbsg2", "responses")) {
  datasets[[nm]] <- read_data(nm)
}
used_rows <- function(d, cols) d[complete.cases(d[, cols, drop = FALSE]), , drop = FALSE]

# ---------------------------------------------------------------------------------------------
# G(rho, gamma) by its formula
fh_pieces <- function(time, status, group, groups, w, rho, gamma) {
  k <- length(groups)
  O <- numeric(k); E <- numeric(k); V <- matrix(0, k, k)
  ut <- sort(unique(time[status == 1]))
  n_t <- sapply(ut, function(u) sum(w[time >= u]))             # at risk (weighted)
  d_t <- sapply(ut, function(u) sum(w[time == u & status == 1])) # events
  km_left <- c(1, cumprod(1 - d_t / n_t))[seq_along(ut)]        # pooled KM at t-
  wt <- km_left^rho * (1 - km_left)^gamma
  for (j in seq_along(ut)) {
    n_g <- sapply(groups, function(h) sum(w[time >= ut[j] & group == h]))
    d_g <- sapply(groups, function(h) sum(w[time == ut[j] & status == 1 & group == h]))
    p <- n_g / n_t[j]
    O <- O + wt[j] * d_g
    E <- E + wt[j] * d_t[j] * p
    f <- if (n_t[j] > 1) d_t[j] * (n_t[j] - d_t[j]) / (n_t[j] - 1) else 0
    V <- V + wt[j]^2 * f * (diag(p, k) - p %o% p)
  }
  list(O = O, E = E, V = V)
}
wlr_case <- function(name, data, duration, event, by, rho, gamma, strata = NULL, weights = NULL,
                     scores = NULL) {
  d <- used_rows(datasets[[data]], c(duration, event, by, strata, weights))
  groups <- sort(unique(d[[by]]))
  k <- length(groups)
  w <- if (is.null(weights)) rep(1, nrow(d)) else d[[weights]]
  st <- if (is.null(strata)) rep(1, nrow(d)) else d[[strata]]
  O <- numeric(k); E <- numeric(k); V <- matrix(0, k, k)
  for (s in unique(st)) {
    i <- st == s
    pc <- fh_pieces(d[[duration]][i], d[[event]][i], d[[by]][i], groups, w[i], rho, gamma)
    O <- O + pc$O; E <- E + pc$E; V <- V + pc$V
  }
  out <- list(name = name,
              args = list(data = data, duration_col = duration, event_col = event, by = by,
                          strata = strata, weights_col = weights, rho = rho, gamma = gamma),
              group = I(as.character(groups)), observed = I(O), expected = I(E), var = V)
  if (is.null(scores)) {
    use <- which(E > 0)
    idx <- use[-1]
    oe <- (O - E)[idx]
    chisq <- drop(oe %*% solve(V[idx, idx, drop = FALSE], oe))
    df <- length(use) - 1
  } else {
    u <- sum(scores * (O - E))
    chisq <- u^2 / drop(t(scores) %*% V %*% scores)
    df <- 1
    out$args$trend <- TRUE
    out$scores <- I(scores)
  }
  out$chisq <- chisq
  out$df <- df
  out$p <- pchisq(chisq, df, lower.tail = FALSE)
  if (gamma == 0 && is.null(weights) && is.null(scores)) {
    rhs <- paste0("`", by, "`", if (is.null(strata)) "" else paste0(" + strata(`", strata, "`)"))
    f <- as.formula(paste0("Surv(`", duration, "`, `", event, "`) ~ ", rhs))
    sd <- survdiff(f, data = d, rho = rho)
    stopifnot(isTRUE(all.equal(sd$chisq, chisq, tolerance = 1e-12)))
    out$survdiff_chisq <- sd$chisq
  }
  out
}
wlr_cases <- list(
  wlr_case("lung_sex_peto", "lung", "time", "status", "sex", 1, 0),
  wlr_case("lung_sex_late", "lung", "time", "status", "sex", 0, 1),
  wlr_case("lung_sex_fh11", "lung", "time", "status", "sex", 1, 1),
  wlr_case("lung_sex_fh05_2", "lung", "time", "status", "sex", 0.5, 2),
  wlr_case("lung_sex_by_ecog_peto", "lung", "time", "status", "sex", 1, 0, strata = "ph.ecog"),
  wlr_case("lung_sex_by_ecog_late", "lung", "time", "status", "sex", 0, 1, strata = "ph.ecog"),
  wlr_case("waltons_group_peto", "waltons", "T", "E", "group", 1, 0),
  wlr_case("waltons_group_late", "waltons", "T", "E", "group", 0, 0.5),
  wlr_case("ties_group_peto", "ties", "time", "event", "group", 1, 0),
  wlr_case("ties_group_fh01", "ties", "time", "event", "group", 0, 1),
  wlr_case("ties_group_by_stratum_fh11", "ties", "time", "event", "group", 1, 1,
           strata = "stratum"),
  wlr_case("ties_weighted_peto", "ties", "time", "event", "group", 1, 0, weights = "w"),
  wlr_case("ties_weighted_fh01", "ties", "time", "event", "group", 0, 1, weights = "w"),
  wlr_case("larynx_stage_trend_peto", "larynx", "time", "death", "stage", 1, 0,
           scores = c(1, 2, 3, 4))
)
write_json_file(wlr_cases, "weighted_logrank.json")

# ---------------------------------------------------------------------------------------------
# RMST per group (survfit) and survRM2's unadjusted contrasts against the first group
# R's default variance: robust (infinitesimal jackknife) when a case weight is not an integer,
# as netsurv's kaplan_meier; se(rmean) is the same either way
km_fit <- function(d, duration, event, by, weights) {
  f <- as.formula(paste0("Surv(`", duration, "`, `", event, "`) ~ `", by, "`"))
  if (is.null(weights)) survfit(f, data = d)
  else { d$.w <- d[[weights]]; survfit(f, data = d, weights = .w) }
}
contrast_rows <- function(groups, est, se, z, extra = NULL) {
  rows <- list()
  for (g in seq_along(groups)[-1]) {
    diff <- est[g] - est[1]
    sd <- sqrt(se[g]^2 + se[1]^2)
    rows[[length(rows) + 1]] <- list(group = groups[g], contrast = "difference", estimate = diff,
      se = sd, lower = diff - z * sd, upper = diff + z * sd,
      p_value = 2 * pnorm(-abs(diff / sd)))
    if (!is.null(extra)) for (r in extra(g)) rows[[length(rows) + 1]] <- r
  }
  rows
}
ratio_row <- function(group, contrast, num, den, se_log, z) {
  lr <- log(num / den)
  list(group = group, contrast = contrast, estimate = exp(lr), se = se_log,
       lower = exp(lr - z * se_log), upper = exp(lr + z * se_log),
       p_value = 2 * pnorm(-abs(lr / se_log)))
}
rmst_case <- function(name, data, duration, event, by, tau, weights = NULL) {
  d <- used_rows(datasets[[data]], c(duration, event, by, weights))
  fit <- km_fit(d, duration, event, by, weights)
  tab <- summary(fit, rmean = tau)$table
  groups <- sub("^[^=]*=", "", rownames(tab))
  est <- unname(tab[, "rmean"]); se <- unname(tab[, "se(rmean)"])
  z <- qnorm(0.975)
  rmtl <- tau - est
  extra <- function(g) list(
    ratio_row(groups[g], "ratio", est[g], est[1], sqrt(se[g]^2 / est[g]^2 + se[1]^2 / est[1]^2), z),
    ratio_row(groups[g], "rmtl_ratio", rmtl[g], rmtl[1],
              sqrt(se[g]^2 / rmtl[g]^2 + se[1]^2 / rmtl[1]^2), z))
  list(name = name,
       args = list(data = data, duration_col = duration, event_col = event, by = by,
                   weights_col = weights, tau = tau),
       group = I(groups), estimate = I(est), se = I(se),
       last_time = I(unname(tapply(d[[duration]], d[[by]], max))),
       contrasts = contrast_rows(groups, est, se, z, extra))
}
rmst_cases <- list(
  rmst_case("lung_sex", "lung", "time", "status", "sex", 500),
  rmst_case("waltons_group", "waltons", "T", "E", "group", 60),
  rmst_case("ties_group", "ties", "time", "event", "group", 9),
  rmst_case("ties_weighted", "ties", "time", "event", "group", 8, weights = "w"),
  rmst_case("gbsg2_horTh", "gbsg2", "time", "cens", "horTh", 1825)
)
write_json_file(rmst_cases, "rmst.json")

milestone_case <- function(name, data, duration, event, by, time, weights = NULL) {
  d <- used_rows(datasets[[data]], c(duration, event, by, weights))
  fit <- km_fit(d, duration, event, by, weights)
  s <- summary(fit, times = time)
  groups <- sub("^[^=]*=", "", as.character(s$strata))
  est <- s$surv; se <- s$std.err
  z <- qnorm(0.975)
  sigma <- se / (est * abs(log(est)))
  extra <- function(g) list(ratio_row(groups[g], "cumhaz_ratio", -log(est[g]), -log(est[1]),
                                      sqrt(sigma[g]^2 + sigma[1]^2), z))
  list(name = name,
       args = list(data = data, duration_col = duration, event_col = event, by = by,
                   weights_col = weights, time = time),
       group = I(groups), estimate = I(est), se = I(se), lower = I(s$lower), upper = I(s$upper),
       contrasts = contrast_rows(groups, est, se, z, extra))
}
milestone_cases <- list(
  milestone_case("lung_sex", "lung", "time", "status", "sex", 365),
  milestone_case("waltons_group", "waltons", "T", "E", "group", 40),
  milestone_case("ties_group", "ties", "time", "event", "group", 5),
  milestone_case("ties_weighted", "ties", "time", "event", "group", 6, weights = "w"),
  milestone_case("gbsg2_horTh", "gbsg2", "time", "cens", "horTh", 1095)
)
write_json_file(milestone_cases, "milestone.json")

# ---------------------------------------------------------------------------------------------
# Proportions
rates <- list(ORR = c("CR", "PR"), DCR = c("CR", "PR", "MR", "SD", "NON-CR/NON-PD"))
cp_case <- function(name, x, n, conf_level = 0.95) {
  ci <- binom.test(x, n, conf.level = conf_level)$conf.int
  list(name = name, kind = "clopper_pearson", x = x, n = n, conf_level = conf_level,
       lower = ci[1], upper = ci[2])
}
newcombe <- function(a, b, c, d, conf_level = 0.95) {
  n <- a + b + c + d
  p1 <- (a + b) / n; p2 <- (a + c) / n
  w1 <- prop.test(a + b, n, conf.level = conf_level, correct = FALSE)$conf.int  # Wilson
  w2 <- prop.test(a + c, n, conf.level = conf_level, correct = FALSE)$conf.int
  margins <- (a + b) * (c + d) * (a + c) * (b + d)
  cross <- a * d - b * c
  phi <- if (margins == 0 || (cross >= 0 && cross <= n / 2)) 0
         else if (cross > n / 2) (cross - n / 2) / sqrt(margins)
         else cross / sqrt(margins)
  D <- p1 - p2
  lower <- D - sqrt((p1 - w1[1])^2 - 2 * phi * (p1 - w1[1]) * (w2[2] - p2) + (w2[2] - p2)^2)
  upper <- D + sqrt((w1[2] - p1)^2 - 2 * phi * (w1[2] - p1) * (p2 - w2[1]) + (p2 - w2[1])^2)
  c(difference = D, lower = lower, upper = upper)
}
paired_case <- function(name, a, b, c, d, conf_level = 0.95, extra = list()) {
  tab <- matrix(c(a, c, b, d), 2)  # rows: x yes / no; columns: y yes / no
  nc <- newcombe(a, b, c, d, conf_level)
  p_mc <- if (b + c > 0) mcnemar.test(tab)$p.value else NaN
  p_ex <- if (b + c > 0) binom.test(b, b + c)$p.value else 1
  c(list(name = name, kind = "paired", both = a, only_x = b, only_y = c, neither = d,
         conf_level = conf_level, difference = unname(nc["difference"]),
         lower = unname(nc["lower"]), upper = unname(nc["upper"]), p_mcnemar = p_mc,
         p_exact = p_ex), extra)
}
prop_cases <- list(
  cp_case("cp_0_of_10", 0, 10), cp_case("cp_10_of_10", 10, 10), cp_case("cp_1_of_1", 1, 1),
  cp_case("cp_2_of_40", 2, 40), cp_case("cp_3_of_24_90", 3, 24, 0.9),
  cp_case("cp_37_of_200", 37, 200),
  # Fagerland, Lydersen and Laake (2017), ch. 8: Cavo et al. 2012 and Bentur et al. 2009
  paired_case("paired_cavo_2012", 59, 6, 16, 80),
  paired_case("paired_bentur_2009", 1, 1, 7, 12),
  paired_case("paired_no_discordant", 3, 0, 0, 9),
  paired_case("paired_negative_cross", 2, 9, 4, 1, 0.9)
)
resp <- datasets$responses
crits <- sort(unique(resp$criterion))
for (cr in crits) for (rate in names(rates)) {
  r <- resp[resp$criterion == cr, ]
  x <- sum(r$bor %in% rates[[rate]])
  cs <- cp_case(paste("responses", cr, rate, sep = "_"), x, nrow(r))
  cs$criterion <- cr
  cs$rate <- rate
  prop_cases[[length(prop_cases) + 1]] <- cs
}
ref <- resp[resp$criterion == "recist1.1", ]
for (cr in setdiff(crits, "recist1.1")) for (rate in names(rates)) {
  m <- merge(resp[resp$criterion == cr, ], ref, by = c("patient_id", "line_id"),
             suffixes = c("", "_ref"))
  x <- m$bor %in% rates[[rate]]
  y <- m$bor_ref %in% rates[[rate]]
  prop_cases[[length(prop_cases) + 1]] <- paired_case(
    paste("responses", cr, "vs_recist1.1", rate, sep = "_"),
    sum(x & y), sum(x & !y), sum(!x & y), sum(!x & !y),
    extra = list(criterion = cr, reference = "recist1.1", rate = rate))
}
write_json_file(prop_cases, "proportions.json")

# ---------------------------------------------------------------------------------------------
# Median follow-up by reverse Kaplan-Meier
followup_case <- function(name, data, duration, event, by = NULL, conf_type = "log") {
  d <- used_rows(datasets[[data]], c(duration, event, by))
  d$.rev <- 1 - d[[event]]
  rhs <- if (is.null(by)) "1" else paste0("`", by, "`")
  fit <- survfit(as.formula(paste0("Surv(`", duration, "`, .rev) ~ ", rhs)), data = d,
                 conf.type = conf_type)
  tab <- summary(fit)$table
  if (!is.matrix(tab)) tab <- t(as.matrix(tab))
  groups <- if (is.null(by)) "all" else sub("^[^=]*=", "", rownames(tab))
  list(name = name,
       args = list(data = data, duration_col = duration, event_col = event, by = by,
                   conf_type = conf_type),
       group = I(groups), n = I(unname(tab[, "n.max"])), median = I(unname(tab[, "median"])),
       lower = I(unname(tab[, grep("LCL$", colnames(tab))])),
       upper = I(unname(tab[, grep("UCL$", colnames(tab))])))
}
followup_cases <- list(
  followup_case("lung_all", "lung", "time", "status"),
  followup_case("lung_sex", "lung", "time", "status", by = "sex"),
  followup_case("gbsg2_horTh_loglog", "gbsg2", "time", "cens", by = "horTh",
                conf_type = "log-log"),
  followup_case("ties_group", "ties", "time", "event", by = "group"),
  followup_case("waltons_group_plain", "waltons", "T", "E", by = "group", conf_type = "plain")
)
write_json_file(followup_cases, "followup.json")
