# Reference values for netsurv's Firth-penalised Cox model and model formulas.
#
# Run from the repository root (after make_reference_data.py has written tests/reference/data):
#
#     Rscript tests/reference/make_reference_firth.R
#
# Needs R's survival package and coxphf (the method authors' package, Heinze & Schemper 2001;
# not in Debian: it builds from its public source with r-base-dev and gfortran).  Writes
# tests/reference/data/breast.csv (coxphf's `breast` data, the paper's example) and
# tests/reference/expected/{firth,formula}.json.
#
# firth.json, two kinds of case:
#   * "coxphf": coxphf(pl = TRUE) with its convergence tolerances tightened to 1e-12 (coxphf has
#     Breslow ties only, no strata and no weights): coefficients, variance, the penalised
#     log-likelihoods, profile penalised-likelihood CIs, penalised LR p-values, coxphftest()
#     for groups of coefficients, and the sequential fits of coxphf(adapt = ...).  coxphf divides
#     the covariates by their SDs before fitting, which adds -sum(log(sd)) to its penalised
#     log-likelihoods; the values written here are on the original scale (the shift added
#     back), and checked against survival's own log-likelihood and information at the estimate.
#   * "survival": Efron ties, strata, case weights, (start, stop] rows, which coxphf does not
#     fit.  The penalised log-likelihood l(b) + log|I(b)| / 2 is evaluated with survival's
#     coxph(init = b, iter.max = 0) (its loglik and inverse information at b) and maximised
#     here by Newton steps on a 4-point numerical gradient; profile limits by uniroot() on the
#     re-maximised profile.  The same machinery on coxphf's cases reproduces coxphf (checked).
# formula.json: coxph with factors, relevel(), log(), strata, weights; anova(fit), each term
#   dropped (update()), each term's joint Wald test from coef/var, cox.zph(fit) per term; the
#   null model (~ 1).

suppressPackageStartupMessages({
  library(survival)
  library(coxphf)
})

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "tests/reference"
data_dir <- file.path(here, "data")
out_dir <- file.path(here, "expected")
source(file.path(here, "json_writer.R"))  # to_json, write_json_file, read_data

data(breast, package = "coxphf")
write.csv(breast, file.path(data_dir, "breast.csv"), row.names = FALSE)
datasets <- list()
for (nm in c("breast", "monotone", "ties", "stanford", "larynx", "lung", "gbsg2")) {
  datasets[[nm]] <- read_data(nm)
}
TIGHT <- 1e-12

surv_formula <- function(duration, event, rhs, start = NULL) {
  lhs <- if (is.null(start)) sprintf("Surv(%s, %s)", duration, event)
         else sprintf("Surv(%s, %s, %s)", start, duration, event)
  as.formula(paste(lhs, "~", rhs))
}
complete <- function(d, f) d[complete.cases(d[, all.vars(f), drop = FALSE]), , drop = FALSE]

# ---- the penalised likelihood by survival's coxph, and its maximisation ---------------------
pen_at <- function(f, d, beta, ties) {
  fit <- suppressWarnings(coxph(f, data = d, ties = ties, weights = .w, robust = FALSE,
                                init = beta, control = coxph.control(iter.max = 0)))
  info <- solve(fit$var)
  list(pl = fit$loglik[2] + 0.5 * as.numeric(determinant(info)$modulus), info = info,
       loglik = fit$loglik[2])
}
num_grad <- function(fun, beta, free) {
  g <- numeric(length(beta))
  for (j in which(free)) {
    h <- 1e-3 * max(1, abs(beta[j]))
    at <- function(k) { b <- beta; b[j] <- b[j] + k * h; fun(b) }
    g[j] <- (8 * (at(1) - at(-1)) - (at(2) - at(-2))) / (12 * h)
  }
  g
}
pen_max <- function(f, d, ties, beta, free) {
  fun <- function(b) pen_at(f, d, b, ties)$pl
  for (it in 1:200) {
    g <- num_grad(fun, beta, free)
    info <- pen_at(f, d, beta, ties)$info
    step <- solve(info[free, free, drop = FALSE], g[free])
    step <- step * min(1, 5 / max(abs(step)))
    beta[free] <- beta[free] + step
    if (max(abs(step)) < 1e-10) break
  }
  list(beta = beta, pl = fun(beta))
}
pen_profile <- function(f, d, ties, fit, j, level = 0.95) {
  target <- fit$pl - qchisq(level, 1) / 2
  free <- rep(TRUE, length(fit$beta)); free[j] <- FALSE
  prof <- function(b) { start <- fit$beta; start[j] <- b; pen_max(f, d, ties, start, free)$pl - target }
  se <- sqrt(solve(pen_at(f, d, fit$beta, ties)$info)[j, j])
  sapply(c(-1, 1), function(side) {
    inner <- fit$beta[j]; outer <- inner + side * se
    while (prof(outer) > 0) { inner <- outer; outer <- fit$beta[j] + 2 * (outer - fit$beta[j]) }
    uniroot(prof, sort(c(inner, outer)), tol = 1e-11)$root
  })
}
pen_lr <- function(f, d, ties, fit, test) {
  start <- fit$beta; start[test] <- 0
  restricted <- pen_max(f, d, ties, start, !test)
  stat <- 2 * (fit$pl - restricted$pl)
  list(statistic = stat, df = sum(test), p = pchisq(stat, sum(test), lower.tail = FALSE))
}

# ---- coxphf cases ------------------------------------------------------------------------------
coxphf_case <- function(name, data, duration, event, rhs, py_formula, start = NULL,
                        tests = list(), sequential = NULL) {
  f <- surv_formula(duration, event, rhs, start)
  d <- complete(datasets[[data]], f)
  d$.w <- 1
  fit <- coxphf(f, data = d, pl = TRUE, epsilon = TIGHT, gconv = TIGHT, maxit = 500)
  x <- model.matrix(f, d)[, -1, drop = FALSE]
  shift <- sum(log(apply(x, 2, sd)))
  loglik <- fit$loglik + shift
  chk <- pen_at(f, d, unname(coef(fit)), "breslow")
  stopifnot(abs(chk$pl - loglik[2]) < 1e-9 * abs(loglik[2]))
  # the survival-based machinery used for the other cases reproduces coxphf
  mx <- pen_max(f, d, "breslow", unname(coef(fit)) * 0, rep(TRUE, ncol(x)))
  stopifnot(max(abs(mx$beta - coef(fit))) < 1e-7)
  # a test is a coxphftest() formula, or an adapt vector (0 = held at 0): coxphftest() cannot
  # name the columns of a factor, so a factor is tested by coxphf(adapt = ...) directly
  out_tests <- lapply(names(tests), function(tn) {
    tst <- tests[[tn]]
    if (inherits(tst, "formula")) {
      tt <- coxphftest(f, data = d, test = tst, epsilon = TIGHT, maxit = 500)
      ll <- tt$loglik
      k <- tt$df
    } else {
      ll <- c(coxphf(f, data = d, pl = FALSE, adapt = tst, epsilon = TIGHT, gconv = TIGHT,
                     maxit = 500)$loglik[2], fit$loglik[2])
      k <- sum(tst == 0)
    }
    stopifnot(k == length(tn_columns[[tn]]))
    list(name = tn, columns = I(tn_columns[[tn]]), loglik = I(ll + shift), df = k,
         statistic = 2 * diff(ll), p = pchisq(2 * diff(ll), k, lower.tail = FALSE))
  })
  seq_ll <- NULL
  if (!is.null(sequential)) {
    seq_ll <- sapply(sequential, function(adapt) {
      coxphf(f, data = d, pl = FALSE, adapt = adapt, epsilon = TIGHT, gconv = TIGHT,
             maxit = 500)$loglik[2] + shift
    })
  }
  list(name = name, kind = "coxphf",
       args = list(data = data, duration_col = duration, event_col = event, start_col = start,
                   formula = py_formula, ties = "breslow", strata = NULL, weights_col = NULL),
       coef = I(unname(coef(fit))), var = unname(fit$var), loglik = I(loglik),
       lower = I(log(unname(fit$ci.lower))), upper = I(log(unname(fit$ci.upper))),
       p = I(unname(fit$prob)), iter = fit$iter, tests = out_tests,
       sequential_loglik = if (is.null(seq_ll)) NULL else I(seq_ll))
}

tn_columns <- list(T_N = c(0, 1), all = c(0, 1, 2, 3), stage = c(1, 2, 3), x = 0)
firth_cases <- list(
  coxphf_case("breast", "breast", "TIME", "CENS", "T + N + G + CD", "T + N + G + CD",
              tests = list(T_N = ~ T + N, all = ~ T + N + G + CD),
              sequential = list(c(1, 0, 0, 0), c(1, 1, 0, 0), c(1, 1, 1, 0))),
  coxphf_case("monotone", "monotone", "time", "event", "x + z", "x + z",
              tests = list(x = ~ x)),
  coxphf_case("ties_breslow", "ties", "time", "event", "x1 + x2", "x1 + x2"),
  coxphf_case("larynx_stage", "larynx", "time", "death", "age + factor(stage)",
              "age + C(stage)", tests = list(stage = c(1, 0, 0, 0)),
              sequential = list(c(1, 0, 0, 0))),
  coxphf_case("stanford_start_stop", "stanford", "stop", "event", "age + surgery + transplant",
              "age + surgery + transplant", start = "start")
)

# ---- survival-based cases (Efron ties, strata, weights) -----------------------------------------
surv_case <- function(name, data, duration, event, covariates, ties = "efron", strata = NULL,
                      weights = NULL, start = NULL) {
  rhs <- paste(covariates, collapse = " + ")
  if (!is.null(strata)) rhs <- paste0(rhs, " + strata(", strata, ")")
  f <- surv_formula(duration, event, rhs, start)
  environment(f) <- environment()
  d <- complete(datasets[[data]], f)
  if (!is.null(weights)) d <- d[!is.na(d[[weights]]), ]
  d$.w <- if (is.null(weights)) 1 else d[[weights]]
  p <- length(covariates)
  fit <- pen_max(f, d, ties, numeric(p), rep(TRUE, p))
  at <- pen_at(f, d, fit$beta, ties)
  null <- pen_at(f, d, numeric(p), ties)
  limits <- t(sapply(seq_len(p), function(j) pen_profile(f, d, ties, fit, j)))
  pvals <- sapply(seq_len(p), function(j) { tt <- seq_len(p) == j; pen_lr(f, d, ties, fit, tt)$p })
  list(name = name, kind = "survival",
       args = list(data = data, duration_col = duration, event_col = event, start_col = start,
                   formula = paste(covariates, collapse = " + "), ties = ties,
                   strata = strata, weights_col = weights),
       coef = I(fit$beta), var = solve(at$info), loglik = I(c(null$pl, fit$pl)),
       lower = I(limits[, 1]), upper = I(limits[, 2]), p = I(pvals), tests = list())
}
firth_cases <- c(firth_cases, list(
  surv_case("ties_efron", "ties", "time", "event", c("x1", "x2")),
  surv_case("ties_efron_weighted_strata", "ties", "time", "event", c("x1", "x2"),
            strata = "stratum", weights = "w"),
  surv_case("monotone_efron", "monotone", "time", "event", c("x", "z")),
  surv_case("lung_breslow_strata", "lung", "time", "status", c("age", "`ph.ecog`"),
            ties = "breslow", strata = "sex"),
  surv_case("stanford_efron", "stanford", "stop", "event", c("age", "surgery", "transplant"),
            start = "start")
))
write_json_file(firth_cases, "firth.json")

# ---- formulas: factors, reference levels, transforms; per-term tests ---------------------------
formula_case <- function(name, data, duration, event, rhs, py_formula, ties = "efron",
                         strata = NULL, weights = NULL) {
  full_rhs <- if (is.null(strata)) rhs else paste0(rhs, " + strata(", strata, ")")
  f <- surv_formula(duration, event, full_rhs)
  environment(f) <- environment()
  d <- complete(datasets[[data]], f)
  d$.w <- if (is.null(weights)) 1 else d[[weights]]
  fit <- if (is.null(weights)) coxph(f, data = d, ties = ties)
         else coxph(f, data = d, ties = ties, weights = .w)
  out <- list(name = name,
              args = list(data = data, duration_col = duration, event_col = event,
                          formula = py_formula, ties = ties, strata = strata,
                          weights_col = weights),
              n = fit$n, events = fit$nevent, loglik = I(fit$loglik))
  if (rhs == "1") return(out)
  labels <- attr(terms(fit), "term.labels")
  labels <- labels[!grepl("^strata\\(", labels)]
  assign <- attr(model.matrix(fit), "assign")
  wald <- sapply(seq_along(labels), function(k) {
    idx <- which(assign == k)
    b <- coef(fit)[idx]
    drop(t(b) %*% solve(fit$var[idx, idx, drop = FALSE]) %*% b)
  })
  dropped <- sapply(labels, function(lb) {
    g <- update(fit, as.formula(paste(". ~ . -", lb)))
    2 * (fit$loglik[2] - g$loglik[length(g$loglik)])
  })
  an <- if (is.null(fit$naive.var)) anova(fit) else NULL  # R refuses anova with robust variances
  zp <- cox.zph(fit)
  out$coef <- I(unname(coef(fit)))
  out$columns <- I(names(coef(fit)))
  out$var <- unname(fit$var)
  out$robust <- !is.null(fit$naive.var)
  out$naive_var <- if (is.null(fit$naive.var)) NULL else unname(fit$naive.var)
  out$terms <- list(term = I(labels), df = I(as.numeric(table(factor(assign, seq_along(labels))))),
                    wald = I(unname(wald)), lr = I(unname(dropped)))
  if (!is.null(an)) {
    out$anova <- list(loglik = I(an$loglik), chisq = I(an$Chisq), df = I(an$Df),
                      p = I(an[["Pr(>|Chi|)"]]))
  }
  out$zph <- list(term = I(rownames(zp$table)), chisq = I(zp$table[, "chisq"]),
                  df = I(zp$table[, "df"]), p = I(zp$table[, "p"]))
  out
}
formula_cases <- list(
  formula_case("larynx_stage", "larynx", "time", "death", "age + factor(stage)",
               "age + C(stage)"),
  formula_case("larynx_stage_breslow", "larynx", "time", "death", "factor(stage) + age",
               "C(stage) + age", ties = "breslow"),
  formula_case("gbsg2_grade_ref_log", "gbsg2", "time", "cens",
               "age + relevel(factor(tgrade), ref = \"II\") + log(pnodes)",
               "age + C(tgrade, contr.treatment('II')) + np.log(pnodes)", strata = "horTh"),
  formula_case("lung_ecog_sex", "lung", "time", "status", "age + factor(ph.ecog) + factor(sex)",
               "age + C(`ph.ecog`) + C(sex)"),
  formula_case("ties_group_weighted", "ties", "time", "event", "x1 + group", "x1 + group",
               weights = "w"),
  formula_case("lung_null", "lung", "time", "status", "1", "1"),
  formula_case("ties_null_strata", "ties", "time", "event", "1", "1", strata = "stratum",
               ties = "breslow")
)
write_json_file(formula_cases, "formula.json")
