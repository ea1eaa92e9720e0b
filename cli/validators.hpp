#pragma once
// Range checks of the command-line options, with the option's own name in the message (CLI11
// prefixes it) and exit code 2 like every usage error.
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace flamecare::cli {

/// An integer from `min` to 2^31 − 1 ("must be an integer of at least 1, got 0").
CLI::Validator int_at_least(int min);
/// A number in [lo, hi] (hi_open: [lo, hi)).
CLI::Validator number_in(double lo, double hi, bool hi_open);
/// A decimal integer from 0 to 2^64 − 1, nothing else (no sign, no wrap-around, no saturation).
CLI::Validator seed_value();
/// An index id: a decimal integer from 0 to 2^63 − 1.
CLI::Validator id_value();
/// One of `allowed` ("must be one of: denoising; got foo").
CLI::Validator one_of(std::vector<std::string> allowed);
/// A calendar date written YYYYMMDD.
CLI::Validator calendar_date();

}  // namespace flamecare::cli
