# Reference values from R's survival package for netsurv's landmark and time-dependent analyses.
#
# Run from the repository root (after make_reference_timedep_data.py has written
# tests/reference/data/{heart_units,simcohort_units}.csv):
#
#     Rscript tests/reference/make_reference_timedep.R
#
# Writes tests/reference/expected/timedep.json.  R builds everything from the one-row-per-unit
# tables itself: the (start, stop] rows with tmerge()/tdc(), the landmark sets with subset(), so
# netsurv's own construction is checked, not only its arithmetic.  Per case:
#   * the (start, stop] rows; coxph on them (Efron and Breslow, with and without covariates):
#     coefficients, variance, log-likelihoods, score test, concordance;
#   * Mantel-Byar: the score test of coxph(..., ties = "exact") on the rows, and the same
#     statistic written out by hand (hypergeometric variance over event times);
#   * Simon-Makuch curves: survfit(Surv(tstart, tstop, death) ~ status);
#   * landmark sets at several landmarks (optionally with a horizon): size, coxph, survdiff,
#     survfit medians; the stacked super-landmark coxph (strata(landmark) + cluster(id));
#   * Uno's C of the status at one landmark: concordance(..., timewt = "n/G2", ymax = tau).
# Numbers are written with sprintf("%.17g"); NA/NaN/Inf as strings (as make_reference.R).

suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "tests/reference"
data_dir <- file.path(here, "data")
out_dir <- file.path(here, "expected")
dir.create(out_dir, showWarnings = FALSE)

source(file.path(here, "json_writer.R"))  # to_json, read_data

# ---------------------------------------------------------------------------------------------
cox_summary <- function(fit) {
  list(coef = I(unname(coef(fit))), var = as.matrix(fit$var),
       naive_var = if (is.null(fit$naive.var)) NULL else as.matrix(fit$naive.var),
       loglik = I(fit$loglik), score = fit$score, concordance = unname(fit$concordance["concordance"]),
       n = fit$n, events = fit$nevent)
}

# Mantel-Byar by hand: at each event time, risk sets start < t <= stop
mantel_byar_by_hand <- function(td) {
  et <- sort(unique(td$tstop[td$death == 1]))
  o1 <- 0; e1 <- 0; v <- 0
  for (t in et) {
    r <- td$tstart < t & td$tstop >= t
    n <- sum(r); n1 <- sum(r & td$status == 1)
    dd <- td$tstop == t & td$death == 1
    d <- sum(dd); d1 <- sum(dd & td$status == 1)
    o1 <- o1 + d1; e1 <- e1 + d * n1 / n
    if (n > 1) v <- v + d * (n - d) / (n - 1) * (n1 / n) * (1 - n1 / n)
  }
  list(observed = o1, expected = e1, variance = v, chisq = (o1 - e1)^2 / v)
}

curves <- function(fit) {
  groups <- sub("^[^=]*=", "", names(fit$strata))
  id <- rep(seq_along(fit$strata), fit$strata)
  lapply(seq_along(groups), function(k) {
    i <- id == k
    list(group = groups[k], time = I(fit$time[i]), n_risk = I(fit$n.risk[i]),
         n_event = I(fit$n.event[i]), n_censor = I(fit$n.censor[i]), surv = I(fit$surv[i]),
         std_err_log = I(fit$std.err[i]), lower = I(fit$lower[i]), upper = I(fit$upper[i]))
  })
}

landmark_set <- function(base, lm, horizon) {
  s <- base[base$futime > lm, ]
  s$status <- as.integer(!is.na(s$sw) & s$sw <= lm)
  s$t <- s$futime - lm
  s$e <- s$ev
  if (!is.null(horizon)) {
    beyond <- s$t > horizon
    s$e[beyond] <- 0
    s$t[beyond] <- horizon
  }
  s$landmark <- lm
  s
}

td_case <- function(name, data, time, event, switch, covariates, landmarks, horizon = NULL,
                    uno_landmark = NULL, uno_tau = NULL) {
  d <- read_data(data)
  base <- data.frame(id = d$id, futime = d[[time]], ev = d[[event]], sw = d[[switch]])
  for (cv in covariates) base[[cv]] <- d[[cv]]
  td <- tmerge(base[, c("id", covariates), drop = FALSE], base, id = id,
               death = event(futime, ev))
  td <- tmerge(td, base, id = id, status = tdc(sw))
  fits <- list()
  for (ties in c("efron", "breslow")) {
    for (rhs in c("status", paste(c("status", covariates), collapse = " + "))) {
      f <- as.formula(paste("Surv(tstart, tstop, death) ~", rhs))
      fit <- coxph(f, data = td, ties = ties)
      fits[[length(fits) + 1]] <- c(list(ties = ties, covariates = I(all.vars(f)[-(1:3)])),
                                    cox_summary(fit))
    }
  }
  exact <- coxph(Surv(tstart, tstop, death) ~ status, data = td, ties = "exact", iter.max = 0)
  sm <- survfit(Surv(tstart, tstop, death) ~ status, data = td)
  lms <- list()
  stack <- NULL
  for (lm in landmarks) {
    s <- landmark_set(base, lm, horizon)
    stack <- rbind(stack, s)
    fit <- coxph(Surv(t, e) ~ status, data = s)
    sd <- survdiff(Surv(t, e) ~ status, data = s)
    km <- survfit(Surv(t, e) ~ status, data = s)
    tab <- summary(km)$table
    lms[[length(lms) + 1]] <- list(landmark = lm, n = nrow(s), events = sum(s$e),
      n_status = sum(s$status), ids = I(s$id), status = I(s$status), cox = cox_summary(fit),
      logrank_chisq = sd$chisq, median = I(unname(tab[, "median"])),
      median_lower = I(unname(tab[, "0.95LCL"])), median_upper = I(unname(tab[, "0.95UCL"])))
  }
  stacked <- coxph(Surv(t, e) ~ status + strata(landmark) + cluster(id), data = stack)
  out <- list(name = name,
              args = list(data = data, duration_col = time, event_col = event,
                          status_time_col = switch, covariates = I(covariates),
                          landmarks = I(landmarks), horizon = horizon),
              rows = list(id = I(td$id), start = I(td$tstart), stop = I(td$tstop),
                          event = I(td$death), status = I(td$status)),
              cox = fits,
              mantel_byar = c(list(coxph_exact_score = exact$score), mantel_byar_by_hand(td)),
              simon_makuch = curves(sm),
              landmarks = lms,
              stacked = cox_summary(stacked))
  if (!is.null(uno_landmark)) {
    s <- landmark_set(base, uno_landmark, horizon)
    cc <- concordance(Surv(t, e) ~ status, data = s, timewt = "n/G2", ymax = uno_tau,
                      reverse = TRUE)
    out$uno <- list(landmark = uno_landmark, tau = uno_tau, concordance = unname(cc$concordance))
  }
  out
}

cases <- list(
  td_case("heart_transplant", "heart_units", "futime", "fustat", "wait",
          covariates = c("age", "surgery"), landmarks = c(30, 60, 90)),
  td_case("heart_transplant_horizon", "heart_units", "futime", "fustat", "wait",
          covariates = c("age"), landmarks = c(30, 60), horizon = 365,
          uno_landmark = 30, uno_tau = 300),
  td_case("simcohort_response", "simcohort_units", "time", "event", "resp_time",
          covariates = c("g2"), landmarks = c(91, 183, 365), horizon = 730,
          uno_landmark = 183, uno_tau = 548),
  td_case("simcohort_progression", "simcohort_units", "time", "event", "prog_time",
          covariates = c("g2"), landmarks = c(183, 365))
)
path <- file.path(out_dir, "timedep.json")
writeLines(to_json(cases), path)
cat("wrote", path, "\n")
