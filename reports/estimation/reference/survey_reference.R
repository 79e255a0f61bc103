# Reference estimates from R's survey package, for the cross-check of reports/estimation (tests:
# reports/tests/test_estimation_reference.py). Needs only r-base-core and r-cran-survey.
#
#   Rscript survey_reference.R respondents.csv estimates.csv options.csv out.json [margins.csv]
#   Rscript survey_reference.R --api out_dir     # R's own api data: apistrat.csv and api.json
#
# respondents.csv: one row per respondent: stratum, N (stratum population, NA without), unit, sex, age,
#   then the per-respondent variables the estimates name (e.g. x1, y1, r, f).
# estimates.csv: name, kind, domain, terms
#   kind "ratio":    terms = "y1*1+y2*0.25/x1+x2"    (Σ coef × numerator / Σ denominator), svyratio
#   kind "contrast": terms = "y1/x1*0.5+y2/x2*0.5"  (Σ coef × ratio), svyratio(covmat = TRUE) + svycontrast
#   kind "share":    terms = "y1/x1"                 (a 0/1 share over those with x1 = 1), svyciprop logit
#   domain: "" for every respondent, else "unit=A1" (the estimate over that subset of the design)
# options.csv: key, value: weighted (TRUE: weights N/n and fpc N; FALSE: weights 1, no fpc),
#   lonely ("adjust"), rake (TRUE with margins.csv: variable, level, total), trim_lower, trim_upper.
# out.json: {"name": {"value": ..., "se": ..., "deff": ..., "ci_low": ..., "ci_high": ..., "df": ...}}

suppressPackageStartupMessages(library(survey))

num <- function(x) if (is.null(x) || length(x) == 0 || is.na(x) || !is.finite(x)) "null" else sprintf("%.17g", x)

write_json <- function(results, path) {
  items <- vapply(names(results), function(name) {
    r <- results[[name]]
    fields <- vapply(names(r), function(k) sprintf("\"%s\": %s", k, num(r[[k]])), "")
    sprintf("\"%s\": {%s}", name, paste(fields, collapse = ", "))
  }, "")
  writeLines(paste0("{", paste(items, collapse = ",\n"), "}"), path)
}

parse_ratio <- function(terms) {
  sides <- strsplit(terms, "/", fixed = TRUE)[[1]]
  numerator <- lapply(strsplit(sides[1], "+", fixed = TRUE)[[1]], function(t) {
    p <- strsplit(t, "*", fixed = TRUE)[[1]]
    list(var = p[1], coef = if (length(p) > 1) as.numeric(p[2]) else 1)
  })
  list(numerator = numerator, denominator = strsplit(sides[2], "+", fixed = TRUE)[[1]])
}

build_design <- function(data, options, margins) {
  data$stratum <- factor(data$stratum)
  weighted <- isTRUE(as.logical(options[["weighted"]]))
  if (weighted) {
    n_h <- ave(rep(1, nrow(data)), data$stratum, FUN = sum)
    data$w <- data$N / n_h
    design <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N, weights = ~w, data = data)
  } else {
    data$w <- 1
    design <- svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = data)
  }
  if (isTRUE(as.logical(options[["rake"]]))) {
    variables <- unique(margins$variable)
    sample_margins <- lapply(variables, function(v) as.formula(paste0("~", v)))
    population_margins <- lapply(variables, function(v) {
      m <- margins[margins$variable == v, ]
      frame <- data.frame(level = as.character(m$level), Freq = m$total)
      names(frame)[1] <- v
      frame
    })
    for (v in variables) design$variables[[v]] <- as.character(design$variables[[v]])
    design <- suppressWarnings(rake(design, sample_margins, population_margins, control = list(maxit = 200, epsilon = 1e-15)))
    lower <- as.numeric(options[["trim_lower"]])
    upper <- as.numeric(options[["trim_upper"]])
    if (length(lower) && !is.na(lower) && length(upper) && !is.na(upper)) design <- trimWeights(design, lower = lower, upper = upper)
  }
  design
}

in_domain <- function(design, domain) {
  if (is.na(domain) || domain == "") return(design)
  p <- strsplit(domain, "=", fixed = TRUE)[[1]]
  keep <- as.character(design$variables[[p[1]]]) == p[2]
  design[keep, ]
}

run_estimates <- function(design, estimates, fpc) {
  deff_kind <- if (fpc) TRUE else "replace"
  results <- list()
  for (i in seq_len(nrow(estimates))) {
    e <- estimates[i, ]
    d <- in_domain(design, e$domain)
    if (e$kind == "ratio") {
      r <- parse_ratio(e$terms)
      y <- Reduce(`+`, lapply(r$numerator, function(t) t$coef * d$variables[[t$var]]))
      x <- Reduce(`+`, lapply(r$denominator, function(v) d$variables[[v]]))
      d <- update(d, .y = y, .x = x)
      s <- svyratio(~.y, ~.x, d, deff = deff_kind)
      value <- as.vector(coef(s))
      se <- as.vector(SE(s))
      results[[e$name]] <- list(value = value, se = se, deff = as.vector(attr(s, "deff")), df = degf(d))
    } else if (e$kind == "contrast") {
      parts <- strsplit(e$terms, "+", fixed = TRUE)[[1]]
      ys <- c(); xs <- c(); coefs <- c()
      for (p in parts) {
        a <- strsplit(p, "*", fixed = TRUE)[[1]]
        yx <- strsplit(a[1], "/", fixed = TRUE)[[1]]
        ys <- c(ys, yx[1]); xs <- c(xs, yx[2]); coefs <- c(coefs, as.numeric(a[2]))
      }
      numerators <- unique(ys); denominators <- unique(xs)
      s <- svyratio(as.formula(paste("~", paste(numerators, collapse = "+"))), as.formula(paste("~", paste(denominators, collapse = "+"))), d, covmat = TRUE)
      nn <- length(numerators)
      weights <- rep(0, nn * length(denominators))
      for (j in seq_along(ys)) {
        at <- match(ys[j], numerators) + (match(xs[j], denominators) - 1) * nn
        weights[at] <- weights[at] + coefs[j]
      }
      contrast <- svycontrast(s, weights)
      results[[e$name]] <- list(value = as.vector(coef(contrast)), se = as.vector(SE(contrast)), df = degf(d))
    } else if (e$kind == "share") {
      yx <- strsplit(e$terms, "/", fixed = TRUE)[[1]]
      d <- d[d$variables[[yx[2]]] == 1, ]
      d <- update(d, .s = d$variables[[yx[1]]])
      s <- svyciprop(~.s, d, method = "logit")
      ci <- as.vector(attr(s, "ci"))
      results[[e$name]] <- list(value = as.vector(s), se = sqrt(as.vector(attr(s, "var"))), ci_low = ci[1], ci_high = ci[2], df = degf(d))
    }
  }
  results
}

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 2 && args[1] == "--api") {
  # R's own example: the stratified sample of California schools, stratified by school type with an fpc.
  data(api)
  out <- args[2]
  columns <- apistrat[, c("cds", "stype", "fpc", "pw", "api00", "api99", "enroll", "api.stu", "sch.wide")]
  columns$pw <- sprintf("%.17g", columns$pw)  # stored in single precision: written in full so both sides use the same weights
  write.csv(columns, file.path(out, "apistrat.csv"), row.names = FALSE)
  options(survey.lonely.psu = "adjust")
  design <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
  results <- list()
  m <- svymean(~api00, design, deff = TRUE)
  results$mean_api00 <- list(value = as.vector(coef(m)), se = as.vector(SE(m)), deff = as.vector(deff(m)))
  r <- svyratio(~api.stu, ~enroll, design, deff = TRUE)
  results$ratio_stu_enroll <- list(value = as.vector(coef(r)), se = as.vector(SE(r)), deff = as.vector(attr(r, "deff")))
  t <- svytotal(~enroll, design, deff = TRUE)
  results$total_enroll <- list(value = as.vector(coef(t)), se = as.vector(SE(t)), deff = as.vector(deff(t)))
  p <- svyciprop(~I(sch.wide == "Yes"), design, method = "logit")
  results$share_sch_wide <- list(value = as.vector(p), se = sqrt(as.vector(attr(p, "var"))), ci_low = attr(p, "ci")[1], ci_high = attr(p, "ci")[2], df = degf(design))
  c2 <- svyratio(~api00 + api99, ~enroll, design, covmat = TRUE)
  k <- svycontrast(c2, c(0.5, 0.5))
  results$mean_of_ratios <- list(value = as.vector(coef(k)), se = as.vector(SE(k)))
  d <- subset(design, stype == "E")
  re <- svyratio(~api.stu, ~enroll, d, deff = TRUE)
  results$ratio_elementary <- list(value = as.vector(coef(re)), se = as.vector(SE(re)), deff = as.vector(attr(re, "deff")))
  write_json(results, file.path(out, "api.json"))
  quit(status = 0)
}

if (length(args) < 4) stop("usage: survey_reference.R respondents.csv estimates.csv options.csv out.json [margins.csv]")
data <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = c("NA", ""))
estimates <- read.csv(args[2], stringsAsFactors = FALSE, na.strings = character(0))
option_rows <- read.csv(args[3], stringsAsFactors = FALSE, na.strings = character(0))
options_list <- setNames(as.list(option_rows$value), option_rows$key)
margins <- if (length(args) >= 5) read.csv(args[5], stringsAsFactors = FALSE) else NULL
options(survey.lonely.psu = if (is.null(options_list[["lonely"]])) "adjust" else options_list[["lonely"]])
design <- build_design(data, options_list, margins)
write_json(run_estimates(design, estimates, isTRUE(as.logical(options_list[["weighted"]]))), args[4])
