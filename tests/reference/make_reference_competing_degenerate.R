# Reference values for the degenerate corners of netsurv's competing-risks statistics: a cause
# with no event in a group (its cumulative incidence stays 0) and a group whose subjects all
# leave follow-up before the first event (no one at risk at any event time).
#
# Run from the repository root:
#
#     Rscript tests/reference/make_reference_competing_degenerate.R
#
# Writes tests/reference/data/cr_degenerate.csv (built here, by hand) and
# tests/reference/expected/competing_degenerate.json:
#   cif      survfit(Surv(time, factor(status)) ~ group) at chosen times, log and log-log limits:
#            R gives NA limits where the incidence is 0 (group B, cause 2; group C throughout).
#   gray     cmprsk::cuminc's Tests on the three groups (stat -1, pv 1: R reports no test, its
#            variance is singular) and on groups A and B alone, the test netsurv reports with C
#            left out.
#   finegray coxph(Surv(fgstart, fgstop, fgstatus) ~ gB + gC + cluster(id), weights = fgwt,
#            data = finegray(...)): gC is aliased (NA); crr on gB alone, since crr stops with a
#            singular matrix when given gC.
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
source(file.path(here, "json_writer.R"))

# A: both causes, ties and censorings; B: cause 1 only; C: all censored at 0.5, before the
# first event (at 1), as lines whose criterion has no baseline scan.
d <- data.frame(
  time = c(1, 2, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10,
           1.5, 2, 3, 3.5, 4, 6, 6.5, 8, 11, 12,
           0.5, 0.5, 0.5, 0.5),
  status = c(1, 2, 1, 0, 1, 2, 1, 0, 2, 1, 0, 2,
             1, 0, 1, 1, 0, 1, 0, 1, 0, 1,
             0, 0, 0, 0),
  group = rep(c("A", "B", "C"), c(12, 10, 4))
)
d$gB <- as.integer(d$group == "B")
d$gC <- as.integer(d$group == "C")
d$id <- seq_len(nrow(d))
write.csv(d, file.path(data_dir, "cr_degenerate.csv"), row.names = FALSE)
cat("wrote", file.path(data_dir, "cr_degenerate.csv"), "\n")

times <- c(0.25, 1, 2.5, 5, 9)
cif <- lapply(c("log", "log-log"), function(ct) {
  fit <- survfit(Surv(time, factor(status)) ~ group, data = d, conf.type = ct)
  s <- summary(fit, times = times, extend = TRUE)
  list(conf_type = ct, group = I(sub("^[^=]*=", "", as.character(s$strata))), time = I(s$time),
       cif = s$pstate[, -1], std_err = s$std.err[, -1], lower = s$lower[, -1],
       upper = s$upper[, -1])
})

all3 <- cuminc(d$time, d$status, d$group)$Tests
ab <- subset(d, group != "C")
two <- cuminc(ab$time, ab$status, ab$group)$Tests
gray <- list(
  three_groups = list(statistic = I(unname(all3[, "stat"])), p_value = I(unname(all3[, "pv"]))),
  a_and_b = list(statistic = I(unname(two[, "stat"])), df = I(unname(two[, "df"])),
                 p_value = I(unname(two[, "pv"])))
)

pd <- finegray(Surv(time, factor(status)) ~ ., data = d[, c("time", "status", "gB", "gC", "id")],
               etype = "1")
fit <- suppressWarnings(coxph(Surv(fgstart, fgstop, fgstatus) ~ gB + gC + cluster(id),
                              data = pd, weights = fgwt))
crr_fit <- crr(d$time, d$status, cbind(gB = d$gB), gtol = 1e-12, maxiter = 100)
finegray_ref <- list(
  coef = I(unname(coef(fit))), se = I(unname(sqrt(diag(fit$naive.var)))),
  robust_se = I(unname(sqrt(diag(fit$var)))), loglik = I(fit$loglik),
  crr_coef = I(unname(crr_fit$coef)), crr_se = I(unname(sqrt(diag(crr_fit$var))))
)

write_json_file(list(cif = cif, gray = gray, finegray = finegray_ref), "competing_degenerate.json")
