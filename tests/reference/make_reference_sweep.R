# Reference values from R's survival package for the batched sweep engine (netsurv.sweep).
#
# Run from the repository root (after make_reference_sweep_data.py has written data/sweep.csv):
#
#     Rscript tests/reference/make_reference_sweep.R
#
# Writes tests/reference/expected/sweep.json and data/veteran.csv (survival::veteran, the
# columns used).  Cases:
#   fixed_<g>_<ties>_<weights>  coxph(Surv(time, event) ~ g) and survdiff on data/sweep.csv,
#                               weights "none" or a bootstrap weight vector fitted as duplicated
#                               rows (rep(), not coxph(weights =)).
#   td_<s>_<weights>[_breslow]  coxph(Surv(start, stop, event) ~ g) (Efron; Breslow with the
#                               suffix) on rows split at the switch time s (group 1 on
#                               (s, time]; a switch at or after the event time does not
#                               count), and the Mantel-Byar chi-square by hand as `logrank`.
#   veteran_karno_<c>           survdiff / coxph of karno <= c on survival::veteran (the
#                               maxstat example of SWEEP.md).
# Numbers are written with sprintf("%.17g"); NA / NaN / Inf as strings.

suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "tests/reference"
data_dir <- file.path(here, "data")
out_dir <- file.path(here, "expected")

source(file.path(here, "json_writer.R"))

fit_case <- function(name, d, formula, ties, with_logrank = TRUE) {
  warn <- character(0)
  fit <- withCallingHandlers(
    tryCatch(coxph(formula, data = d, ties = ties), error = function(e) NULL),
    warning = function(w) { warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning") })
  lr <- NA_real_
  if (with_logrank) {
    lr <- tryCatch(survdiff(Surv(time, event) ~ g, data = d)$chisq, error = function(e) NA_real_)
  }
  if (is.null(fit) || is.na(coef(fit)[1])) {
    return(list(name = name, ties = ties, coef = NA_real_, se = NA_real_, loglik0 = NA_real_,
                loglik = NA_real_, score = NA_real_, concordance = NA_real_, logrank = lr,
                n = nrow(d), warning = paste(warn, collapse = "; ")))
  }
  list(name = name, ties = ties, coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
       loglik0 = fit$loglik[1], loglik = fit$loglik[2], score = unname(fit$score),
       concordance = unname(fit$concordance["concordance"]), logrank = lr, n = nrow(d),
       warning = paste(warn, collapse = "; "))
}

# Mantel-Byar chi-square (the log-rank test of a time-dependent grouping) by hand: at each
# event time t the risk set is start < t <= stop and the group is the row's g
mantel_byar <- function(d) {
  et <- sort(unique(d$stop[d$event == 1]))
  o1 <- 0; e1 <- 0; v <- 0
  for (t in et) {
    r <- d$start < t & d$stop >= t
    n <- sum(r); n1 <- sum(r & d$g == 1)
    dd <- r & d$stop == t & d$event == 1
    k <- sum(dd); k1 <- sum(dd & d$g == 1)
    o1 <- o1 + k1; e1 <- e1 + k * n1 / n
    if (n > 1) v <- v + k * (n - k) / (n - 1) * (n1 / n) * (1 - n1 / n)
  }
  (o1 - e1)^2 / v
}

d0 <- read.csv(file.path(data_dir, "sweep.csv"))
cases <- list()
for (w in c("none", "w1", "w2")) {
  rows <- if (w == "none") seq_len(nrow(d0)) else rep(seq_len(nrow(d0)), d0[[w]])
  d <- d0[rows, ]
  for (g in paste0("g", 1:8)) {
    for (ties in c("efron", "breslow")) {
      dd <- data.frame(time = d$time, event = d$event, g = d[[g]])
      case <- fit_case(paste("fixed", g, ties, w, sep = "_"), dd, Surv(time, event) ~ g, ties)
      case$grouping <- g
      case$weights <- w
      cases[[length(cases) + 1]] <- case
    }
  }
  for (s in paste0("s", 1:3)) {
    sw <- d[[s]]
    pre <- sw > 0 & sw < d$time
    start <- c(rep(0, nrow(d)), sw[pre])
    stop <- c(ifelse(pre, sw, d$time), d$time[pre])
    ev <- c(ifelse(pre, 0, d$event), d$event[pre])
    g <- c(ifelse(sw <= 0, 1, 0), rep(1, sum(pre)))
    dd <- data.frame(start = start, stop = stop, event = ev, g = g)
    for (ties in c("efron", "breslow")) {
      name <- if (ties == "efron") paste("td", s, w, sep = "_") else paste("td", s, w, ties, sep = "_")
      case <- fit_case(name, dd, Surv(start, stop, event) ~ g, ties, with_logrank = FALSE)
      case$logrank <- mantel_byar(dd)
      case$grouping <- s
      case$weights <- w
      cases[[length(cases) + 1]] <- case
    }
  }
}

vet <- veteran[, c("time", "status", "karno")]
write.csv(vet, file.path(data_dir, "veteran.csv"), row.names = FALSE)
cat("wrote", file.path(data_dir, "veteran.csv"), "\n")
for (cut in c(30, 40, 50, 60, 70, 75)) {
  dd <- data.frame(time = vet$time, event = vet$status, g = as.integer(vet$karno <= cut))
  case <- fit_case(paste0("veteran_karno_", cut), dd, Surv(time, event) ~ g, "efron")
  case$grouping <- paste0("karno<=", cut)
  case$weights <- "none"
  cases[[length(cases) + 1]] <- case
}

out <- list(r_version = R.version.string, survival = as.character(packageVersion("survival")),
            cases = cases)
path <- file.path(out_dir, "sweep.json")
writeLines(to_json(out), path)
cat("wrote", path, "\n")
