#pragma once
/// The one error hierarchy of isingmf. Library code throws these; only the CLI turns them
/// into a message on stderr and an exit code.

#include <stdexcept>
#include <string>

namespace isingmf {

/// Any failure isingmf reports. The message is one line that names what is at fault.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Malformed text input (lattice files, UAI files, temperature grids, sizes).
class ParseError : public Error {
public:
    using Error::Error;
};

/// A model that cannot be built or solved as asked (self-loops, bad sizes, too large).
class ModelError : public Error {
public:
    using Error::Error;
};

/// A file that cannot be read or written.
class IoError : public Error {
public:
    using Error::Error;
};

}  // namespace isingmf
