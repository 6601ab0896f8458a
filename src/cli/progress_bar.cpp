#include "progress_bar.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace isingmf::cli {
namespace {
constexpr auto kDelay = std::chrono::seconds(1);
constexpr auto kRedraw = std::chrono::milliseconds(100);
constexpr int kWidth = 40;
}  // namespace

ProgressBar::ProgressBar()
    : enabled_(isatty(fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(std::size_t done, std::size_t total) {
    if (!enabled_ || total == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < kDelay || (drawn_ && now - last_draw_ < kRedraw && done < total)) return;
    last_draw_ = now;
    drawn_ = true;
    const double fraction = static_cast<double>(done) / static_cast<double>(total);
    const int filled = static_cast<int>(fraction * kWidth);
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    fmt::print(
        stderr, "\r[{}{}] {:3.0f}%  {:.1f} s", std::string(static_cast<std::size_t>(filled), '#'),
        std::string(static_cast<std::size_t>(kWidth - filled), '.'), 100.0 * fraction, elapsed);
    std::fflush(stderr);
}

void ProgressBar::finish() {
    if (!drawn_) return;
    fmt::print(stderr, "\r{}\r", std::string(kWidth + 20, ' '));
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace isingmf::cli
