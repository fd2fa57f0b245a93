# Shared by the make_reference*.R scripts: a JSON writer with full precision and a CSV reader.
# Numbers are written with sprintf("%.17g") (exact round trip; jsonlite stops at 15 digits);
# NA / NaN / Inf as the strings "NA", "NaN", "Inf", "-Inf".  Length-1 atomic vectors are written
# as scalars unless wrapped in I(); matrices as a list of rows.  The sourcing script defines
# `data_dir` and `out_dir`.

num_json <- function(x) {
  out <- sprintf("%.17g", x)
  out[is.na(x)] <- '"NA"'
  out[is.nan(x)] <- '"NaN"'
  out[is.infinite(x) & x > 0] <- '"Inf"'
  out[is.infinite(x) & x < 0] <- '"-Inf"'
  out
}
str_json <- function(x) {
  if (length(x) == 0) return(character(0))
  out <- paste0('"', gsub('"', '\\\\"', as.character(x)), '"')
  out[is.na(x)] <- "null"
  out
}
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.data.frame(x)) x <- as.list(x)
  if (is.list(x)) {
    items <- vapply(x, to_json, character(1))
    nm <- names(x)
    if (!is.null(nm)) {
      return(paste0("{", paste0(str_json(nm), ":", items, collapse = ","), "}"))
    }
    return(paste0("[", paste(items, collapse = ","), "]"))
  }
  if (is.matrix(x)) {
    rows <- lapply(seq_len(nrow(x)), function(i) I(unname(x[i, ])))
    return(to_json(rows))
  }
  keep_array <- inherits(x, "AsIs")
  x <- unclass(x)
  if (is.factor(x)) x <- as.character(x)
  vals <- if (is.logical(x)) ifelse(is.na(x), "null", ifelse(x, "true", "false"))
          else if (is.numeric(x)) num_json(as.double(x))
          else str_json(x)
  if (length(vals) == 1 && !keep_array) return(vals)
  paste0("[", paste(vals, collapse = ","), "]")
}
write_json_file <- function(x, name) {
  path <- file.path(out_dir, name)
  writeLines(to_json(x), path)
  cat("wrote", path, "\n")
}

read_data <- function(name) {
  read.csv(file.path(data_dir, paste0(name, ".csv")), stringsAsFactors = FALSE)
}
