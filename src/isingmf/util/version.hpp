#pragma once

namespace isingmf {

/// Program version, set by CMake from project(VERSION ...).
inline constexpr const char* kVersion = ISINGMF_VERSION;

}  // namespace isingmf
