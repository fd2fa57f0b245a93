# Reference values for netsurv's restricted cubic splines, the continuous marker of
# compare_criteria, and the Firth-penalised time-dependent Cox model.
#
# Run from the repository root (after make_reference_data.py, make_reference_sweep.R,
# make_reference_timedep_data.py and make_reference_spline_data.py have written
# tests/reference/data):
#
#     Rscript tests/reference/make_reference_spline.R
#
# Needs survival, rms (Debian: apt-get install r-cran-rms; 6.5-0 was used, with Hmisc 4.8-0) and
# coxphf (1.13.4; see make_reference_firth.R).  Writes tests/reference/expected/spline.json and
# tests/reference/expected/timedep_firth.json.
#
# spline.json, one case per model: survival::coxph(Surv(time, event) ~ rms::rcs(x, k) + ...), the
#   knots rcs placed (Harrell's defaults from Hmisc::rcspline.eval: quantiles, the 5th smallest /
#   largest value below 100 observations, the rule for >= 5 % ties at an end), coefficients,
#   variance, log-likelihoods, AIC, concordance, the likelihood-ratio test of the non-linear
#   columns (against the model with x linear), and the log hazard-ratio curve of the spline term
#   at some values relative to a reference with its pointwise SE.  Each fit is checked against
#   the same model with splines::ns(x, knots = interior, Boundary.knots = outer knots) — another
#   basis of the same natural-spline space: equal log-likelihood and curve (stopifnot).
#   The "marker" cases build the landmark set from the one-row-per-unit tables written by
#   make_reference_spline_data.py (outcome time > landmark, clock reset, a measured % change)
#   and fit rcs(pct, 4) on it, as compare_criteria(..., continuous = ...) does.
# timedep_firth.json: the (start, stop] rows built with tmerge()/tdc() and coxphf(pl = TRUE) on
#   them (Breslow ties; tolerances 1e-12): coefficients, variance, penalised log-likelihoods on
#   the original covariate scale (coxphf standardises covariates; its values shifted back by
#   sum(log(sd)), as make_reference_firth.R), profile CIs and penalised LR p-values.

suppressPackageStartupMessages({
  library(survival)
  library(splines)
  library(rms)
  library(coxphf)
})

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "tests/reference"
data_dir <- file.path(here, "data")
out_dir <- file.path(here, "expected")
source(file.path(here, "json_writer.R"))  # to_json, write_json_file, read_data
DAYS_PER_MONTH <- 30.4375
TIGHT <- 1e-12

# ---- restricted cubic splines ------------------------------------------------------------------
spline_term <- function(fit) {
  mf <- model.frame(fit)
  k <- which(vapply(mf, function(v) inherits(v, "rms") && identical(attr(v, "assume"), "rcspline"),
                    logical(1)))
  stopifnot(length(k) == 1)
  mf[[k]]
}

# d: data; spline: the rcs() term, first in the model; others: the other terms; linear: the
# spline's variable (expression) entered linearly instead
spline_case <- function(name, d, duration, event, spline, others, py_formula, linear, at,
                        reference, ties = "efron", args = list()) {
  rhs <- paste(c(spline, others), collapse = " + ")
  f <- as.formula(sprintf("Surv(%s, %s) ~ %s", duration, event, rhs))
  environment(f) <- environment()
  fit <- coxph(f, data = d, ties = ties)
  basis <- spline_term(fit)
  knots <- attr(basis, "parms")
  p <- length(knots) - 1
  b <- coef(fit)[seq_len(p)]
  v <- fit$var[seq_len(p), seq_len(p), drop = FALSE]
  delta <- rcspline.eval(at, knots = knots, inclx = TRUE) -
    rcspline.eval(rep(reference, length(at)), knots = knots, inclx = TRUE)
  est <- drop(delta %*% b)
  se <- sqrt(rowSums((delta %*% v) * delta))
  # the same space in splines::ns' B-spline basis: same likelihood, same curve
  x <- basis[, 1]
  nk <- length(knots)
  nsb <- ns(x, knots = knots[-c(1, nk)], Boundary.knots = knots[c(1, nk)])
  f_ns <- as.formula(sprintf("Surv(%s, %s) ~ %s", duration, event,
                             paste(c("nsb", others), collapse = " + ")))
  environment(f_ns) <- environment()
  fit_ns <- coxph(f_ns, data = d, ties = ties)
  stopifnot(abs(fit_ns$loglik[2] - fit$loglik[2]) < 1e-8 * abs(fit$loglik[2]))
  d_ns <- predict(nsb, at) - predict(nsb, rep(reference, length(at)))
  stopifnot(max(abs(drop(d_ns %*% coef(fit_ns)[seq_len(p)]) - est)) < 1e-6)
  f_lin <- as.formula(sprintf("Surv(%s, %s) ~ %s", duration, event,
                              paste(c(linear, others), collapse = " + ")))
  environment(f_lin) <- environment()
  lin <- coxph(f_lin, data = d, ties = ties)
  list(name = name,
       args = c(list(duration_col = duration, event_col = event, formula = py_formula,
                     ties = ties), args),
       n = fit$n, events = fit$nevent, knots = I(unname(knots)),
       columns = I(names(coef(fit))), coef = I(unname(coef(fit))), var = unname(fit$var),
       loglik = I(fit$loglik), aic = AIC(fit),
       concordance = unname(fit$concordance["concordance"]),
       nonlinear = list(statistic = 2 * (fit$loglik[2] - lin$loglik[2]), df = p - 1,
                        p = pchisq(2 * (fit$loglik[2] - lin$loglik[2]), p - 1,
                                   lower.tail = FALSE)),
       curve = list(at = I(at), reference = reference, log_hr = I(est), se = I(se)))
}

lung <- read_data("lung")
larynx <- read_data("larynx")
veteran <- read_data("veteran")
prrt <- read_data("marker_prrt")
prrt <- prrt[!is.na(prrt$pct), ]
prrt$months <- prrt$time / DAYS_PER_MONTH

# the landmark set of a marker table, as compare_criteria(..., continuous = ...) builds it
marker_set <- function(data, landmark) {
  d <- read_data(data)
  d$months <- d$time / DAYS_PER_MONTH
  s <- d[d$months > landmark & !is.na(d$pct), ]
  s$t <- s$months - landmark
  s
}
demo_set <- marker_set("marker_demo", 12)
prrt_set <- marker_set("marker_prrt", 4)

spline_cases <- list(
  spline_case("lung_age_rcs4_sex", lung, "time", "status", "rcs(age, 4)", "sex",
              "rcs(age, 4) + sex", "age", at = c(40, 50, 60, 70, 80), reference = 60,
              args = list(data = "lung")),
  spline_case("larynx_age_rcs3_breslow", larynx, "time", "death", "rcs(age, 3)", NULL,
              "rcs(age, 3)", "age", at = c(45, 55, 65, 75, 85), reference = 65,
              ties = "breslow", args = list(data = "larynx")),
  spline_case("veteran_karno_rcs_default", veteran, "time", "status", "rcs(karno)", NULL,
              "rcs(karno)", "karno", at = c(20, 40, 60, 80, 99), reference = 60,
              args = list(data = "veteran")),
  spline_case("lung_age_given_knots", lung, "time", "status", "rcs(age, c(45, 60, 75))", NULL,
              "rcs(age, [45, 60, 75])", "age", at = c(40, 55, 70, 82), reference = 60,
              args = list(data = "lung")),
  spline_case("prrt_pct_tied_ends", prrt, "months", "event", "rcs(pmin(pmax(pct, -45), 30), 4)",
              "ki67_pct", "rcs(np.clip(pct, -45, 30), 4) + ki67_pct",
              "pmin(pmax(pct, -45), 30)", at = c(-45, -30, -10, 0, 20, 30), reference = 0,
              args = list(data = "marker_prrt")),
  spline_case("marker_demo_os_12m", demo_set, "t", "event", "rcs(pct, 4)", NULL, "rcs(pct, 4)",
              "pct", at = c(-60, -40, -20, 0, 20, 60), reference = 0,
              args = list(data = "marker_demo", landmark = 12,
                          patient_id = I(demo_set$patient_id))),
  spline_case("marker_prrt_pfs_4m", prrt_set, "t", "event", "rcs(pct, 4)", "ki67_pct",
              "rcs(pct, 4) + ki67_pct", "pct", at = c(-60, -40, -10, 0, 20), reference = 0,
              args = list(data = "marker_prrt", landmark = 4,
                          patient_id = I(prrt_set$patient_id)))
)
write_json_file(spline_cases, "spline.json")

# ---- Firth-penalised time-dependent Cox --------------------------------------------------------
td_firth_case <- function(name, data, time, event, switch, covariates) {
  d <- read_data(data)
  base <- data.frame(id = d$id, futime = d[[time]], ev = d[[event]], sw = d[[switch]])
  for (cv in covariates) base[[cv]] <- d[[cv]]
  td <- tmerge(base[, c("id", "futime", covariates)], base, id = id,  # futime: tmerge fails on one column
               death = event(futime, ev))
  td <- tmerge(td, base, id = id, status = tdc(sw))
  rhs <- paste(c("status", covariates), collapse = " + ")
  f <- as.formula(paste("Surv(tstart, tstop, death) ~", rhs))
  fit <- coxphf(f, data = td, pl = TRUE, epsilon = TIGHT, gconv = TIGHT, maxit = 500)
  x <- model.matrix(f, td)[, -1, drop = FALSE]
  shift <- sum(log(apply(x, 2, sd)))
  list(name = name,
       args = list(data = data, duration_col = time, event_col = event,
                   status_time_col = switch, covariates = I(covariates)),
       rows = nrow(td), coef = I(unname(coef(fit))), var = unname(fit$var),
       loglik = I(fit$loglik + shift), lower = I(log(unname(fit$ci.lower))),
       upper = I(log(unname(fit$ci.upper))), p = I(unname(fit$prob)), iter = fit$iter)
}
td_cases <- list(
  td_firth_case("heart_transplant", "heart_units", "futime", "fustat", "wait",
                c("age", "surgery")),
  td_firth_case("simcohort_response", "simcohort_units", "time", "event", "resp_time", "g2"),
  td_firth_case("demo_recist_response_sstv_pfs", "cross_units", "time", "event", "resp_time",
                character(0))
)
write_json_file(td_cases, "timedep_firth.json")
