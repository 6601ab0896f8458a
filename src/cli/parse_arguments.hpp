#pragma once
/// Boost.Program_options parsing shared by the subcommands: any parse error is a usage error.

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "isingmf/util/text.hpp"
#include "isingmf/util/thread_count.hpp"
#include "usage_error.hpp"

namespace isingmf::cli {

/// The value of an unsigned option (--seed, --samples). Boost reads "-1" into an unsigned
/// long long as 2^64 - 1 (lexical_cast wraps around); this type takes only the digits of a
/// number in [0, 2^64 - 1] (an optional leading +), and anything else is Boost's usual
/// "the argument ('-1') for option '--seed' is invalid".
struct UnsignedOption {
    unsigned long long value = 0;
};

/// Boost.Program_options' hook for UnsignedOption (found by argument-dependent lookup).
inline void validate(boost::any& result, const std::vector<std::string>& values,
                     UnsignedOption* /*type tag*/, int /*overload tag*/) {
    namespace po = boost::program_options;
    po::validators::check_first_occurrence(result);
    const std::string& text = po::validators::get_single_string(values);
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (first != last && *first == '+') ++first;
    UnsignedOption parsed;
    const auto [end, error] = std::from_chars(first, last, parsed.value);
    if (first == last || error != std::errc() || end != last) throw po::invalid_option_value(text);
    result = parsed;
}

namespace detail {

/// The option that `arg` ("--name" or "--name=value", the whole name) names, or nullptr when
/// it names none (Boost then reports it).
inline const boost::program_options::option_description* find_option(
    const std::string& arg, const boost::program_options::options_description& options) {
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) return nullptr;
    try {
        return options.find_nothrow(arg.substr(2, arg.find('=') - 2), false);
    } catch (const boost::program_options::error&) {
        return nullptr;  // ambiguous
    }
}

/// Refuses the value `text` of a floating-point option `name` that is nonzero but below the
/// smallest double (1e-400): Boost would read it as 0 without a word, and a 0 coupling or
/// damping is a different run.
inline void check_not_underflowing(const std::string& name, const std::string& text) {
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(text.c_str(), &end);
    if (value != 0.0 || errno != ERANGE) return;
    throw UsageError(fmt::format(
        "{} {} is nonzero but below the smallest double (4.9e-324); it would be read as 0", name,
        quote_token(text)));
}

/// Refuses the value `text` of an int option `name` that is a whole number beyond int's range:
/// Boost would call it only "invalid", which reads as a typo.
inline void check_int_in_range(const std::string& name, const std::string& text) {
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (first != last && *first == '+') ++first;
    long long value = 0;
    const auto [end, error] = std::from_chars(first, last, value);
    if (first == last || end != last) return;  // not a whole number: Boost's message
    if (error == std::errc() && value >= std::numeric_limits<int>::min() &&
        value <= std::numeric_limits<int>::max()) {
        return;
    }
    // The option's own limits may be far narrower (--restarts: 0 to 10000), checked once it is
    // read.
    if (text.front() == '-') {
        throw UsageError(
            fmt::format("{} {} is too small to be read (no whole-number option takes less "
                        "than {})",
                        name, quote_token(text), std::numeric_limits<int>::min()));
    }
    throw UsageError(
        fmt::format("{} {} is too large to be read (no whole-number option takes more "
                    "than {})",
                    name, quote_token(text), std::numeric_limits<int>::max()));
}

/// Refuses the value `text` of an unsigned option `name` (--seed, --samples) that is a whole
/// number outside [0, 2^64 - 1], in words: Boost would call it only "invalid".
inline void check_unsigned_in_range(const std::string& name, const std::string& text) {
    const char* first = text.data();
    const char* last = text.data() + text.size();
    const bool negative = first != last && *first == '-';
    if (first != last && (*first == '+' || negative)) ++first;
    unsigned long long value = 0;
    const auto [end, error] = std::from_chars(first, last, value);
    if (first == last || end != last) return;  // not a whole number: Boost's message
    // The option's own limits may be narrower (--samples: 1 to 10^7), checked once it is read.
    if (negative && (error != std::errc() || value != 0))
        throw UsageError(fmt::format("{} {} is negative", name, quote_token(text)));
    if (error == std::errc::result_out_of_range) {
        throw UsageError(fmt::format("{} {} is too large to be read (beyond 2^64 - 1)", name,
                                     quote_token(text)));
    }
}

/// The checks Boost's own reading of `option`'s value would skip (above), on its value `text`.
inline void check_value(const boost::program_options::option_description& option,
                        const std::string& name, const std::string& text) {
    namespace po = boost::program_options;
    const po::value_semantic* semantic = option.semantic().get();
    if (dynamic_cast<const po::typed_value<double>*>(semantic) != nullptr)
        check_not_underflowing(name, text);
    if (dynamic_cast<const po::typed_value<int>*>(semantic) != nullptr)
        check_int_in_range(name, text);
    if (dynamic_cast<const po::typed_value<UnsignedOption>*>(semantic) != nullptr)
        check_unsigned_in_range(name, text);
}

}  // namespace detail

/// Option names are written out: Boost's default would take a prefix for the option it starts
/// (--f for --force, --thr for --threads), so a typo could name an option no one meant.
inline constexpr int kOptionStyle = boost::program_options::command_line_style::default_style &
                                    ~boost::program_options::command_line_style::allow_guessing;

/// Parses a subcommand's arguments; an unknown option, a missing or malformed value throws
/// UsageError with Boost's one-line message (user tokens in it capped). Two mistakes get
/// their own words: an option followed by another option instead of its value ("--size
/// --T 1", which Boost would read as size "--T" and a stray "1"), and an argument where
/// none is expected.
inline boost::program_options::variables_map parse_arguments(
    const std::vector<std::string>& args,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional = {}) {
    namespace po = boost::program_options;
    unsigned positionals = 0;
    bool options_ended = false;  // after "--", every argument is a positional one
    for (std::size_t k = 0; k < args.size(); ++k) {
        const std::string& arg = args[k];
        if (arg == "--" && !options_ended) {
            options_ended = true;
            continue;
        }
        if (!options_ended && arg.size() > 1 && arg[0] == '-') {
            const po::option_description* option = detail::find_option(arg, options);
            if (option == nullptr) break;  // unknown: Boost's message names it
            const std::size_t equals = arg.find('=');
            if (equals != std::string::npos)
                detail::check_value(*option, arg.substr(0, equals), arg.substr(equals + 1));
            if (option->semantic()->max_tokens() == 0 || equals != std::string::npos) continue;
            if (k + 1 < args.size()) detail::check_value(*option, arg, args[k + 1]);
            if (k + 1 < args.size() && args[k + 1].size() > 2 &&
                args[k + 1].compare(0, 2, "--") == 0) {
                throw UsageError(
                    fmt::format("option {} needs a value, but is followed by the option {}",
                                quote_token(arg), quote_token(args[k + 1])));
            }
            ++k;  // its value
        } else if (++positionals > positional.max_total_count()) {
            throw UsageError(fmt::format("unexpected argument {}{}", quote_token(arg),
                                         options_ended ? " (after '--' no options are read)"
                                         : positional.max_total_count() == 0
                                             ? " (options are written --name VALUE)"
                                             : ""));
        }
    }
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args)
                      .options(options)
                      .positional(positional)
                      .style(kOptionStyle)
                      .run(),
                  vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(cap_quoted_tokens(e.what()));
    }
    return vm;
}

/// f() with the library's ModelError, for a value the user set (an option, the environment),
/// thrown as a usage error: the command line or its environment is at fault.
template <class F>
decltype(auto) as_usage_error(F&& f) {
    try {
        return f();
    } catch (const ModelError& e) {
        throw UsageError(e.what());
    }
}

/// check_threads(threads) for a command's team (its --threads, or 0 for OpenMP's default, where
/// OMP_NUM_THREADS sizes it), as a usage error.
inline void check_thread_request(int threads) {
    as_usage_error([&] { check_threads(threads); });
}

}  // namespace isingmf::cli
