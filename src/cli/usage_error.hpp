#pragma once

#include "isingmf/util/error.hpp"

namespace isingmf::cli {

/// A command line that cannot be run as written: main exits with status 2.
class UsageError : public Error {
public:
    using Error::Error;
};

/// Runs f, turning a ParseError (a malformed option value: grid, size, method name) into a
/// UsageError, since the command line is at fault.
template <class F>
auto as_usage(F&& f) {
    try {
        return f();
    } catch (const ParseError& e) {
        throw UsageError(e.what());
    }
}

}  // namespace isingmf::cli
