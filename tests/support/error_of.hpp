#pragma once
// The message an error path gives, for tests that compare whole messages.

#include <string>

namespace isingmf::test {

/// The what() of the exception of type E that `f` throws; "" when it throws none.
template <class E, class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "";
}

}  // namespace isingmf::test
