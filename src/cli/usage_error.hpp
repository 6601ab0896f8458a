#pragma once

#include "isingmf/error.hpp"

namespace isingmf::cli {

/// A command line that cannot be run as written: main exits with status 2.
class UsageError : public Error {
public:
    using Error::Error;
};

}  // namespace isingmf::cli
