// parse_mean_field_starts: the one parser of start lists, used by `isingmf sweep --starts` and
// by Python's starts= (tests/python checks the module's messages, tests/cli the CLI's).
#include <gtest/gtest.h>

#include <string>

#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

TEST(StartList, EveryNameSetsItsStartAndNothingElse) {
    const StartList up = parse_mean_field_starts("up", 3);
    EXPECT_TRUE(up.starts.all_up);
    EXPECT_FALSE(up.starts.all_down || up.starts.paramagnet || up.starts.anneal || up.warm);
    EXPECT_EQ(up.starts.random, 0);

    const StartList all = parse_mean_field_starts("up,down,paramagnet,anneal,random,warm", 3);
    EXPECT_TRUE(all.starts.all_up && all.starts.all_down && all.starts.paramagnet &&
                all.starts.anneal && all.warm);
    EXPECT_EQ(all.starts.random, 3);  // "random" means `restarts` random starts

    const StartList warm = parse_mean_field_starts("warm", 1);
    EXPECT_TRUE(warm.warm);
    EXPECT_FALSE(warm.starts.all_up || warm.starts.all_down || warm.starts.paramagnet ||
                 warm.starts.anneal);
    EXPECT_EQ(warm.starts.random, 0);
}

TEST(StartList, TheCommandLineDefaultIsTheLibraryDefaultPlusWarm) {
    const StartList parsed = parse_mean_field_starts("up,down,paramagnet,anneal,random,warm", 1);
    const MeanFieldStarts defaults;
    EXPECT_EQ(parsed.starts.all_up, defaults.all_up);
    EXPECT_EQ(parsed.starts.all_down, defaults.all_down);
    EXPECT_EQ(parsed.starts.paramagnet, defaults.paramagnet);
    EXPECT_EQ(parsed.starts.anneal, defaults.anneal);
    EXPECT_EQ(parsed.starts.random, defaults.random);
    EXPECT_TRUE(parsed.warm);
}

TEST(StartList, ErrorsNameTheOptionAndTheEntry) {
    try {
        parse_mean_field_starts("up,sideways", 1, "--starts");
        FAIL() << "no ParseError";
    } catch (const ParseError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "unknown start 'sideways' in --starts (expected up, down, paramagnet, anneal, "
                  "random, warm)");
    }
    try {
        parse_mean_field_starts("", 1, "starts");
        FAIL() << "no ParseError";
    } catch (const ParseError& e) {
        EXPECT_EQ(std::string(e.what()), "starts names no start");
    }
    // Each start at most once, as --bounds takes each bound (a repeat was accepted silently).
    for (const char* list : {"up,up", "up,warm,down,warm", "random,anneal,random"}) {
        try {
            parse_mean_field_starts(list, 1, "--starts");
            FAIL() << "no ParseError for " << list;
        } catch (const ParseError& e) {
            const std::string twice = std::string(list).substr(std::string(list).rfind(',') + 1);
            EXPECT_EQ(std::string(e.what()), "start '" + twice + "' listed twice in --starts");
        }
    }
    // "random" with no restarts names no start (and says why); an empty entry is an unknown
    // name.
    try {
        parse_mean_field_starts("random", 0, "--starts");
        FAIL() << "no ParseError for random with 0 restarts";
    } catch (const ParseError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "--starts names only random starts, and there are 0 of them (restarts = 0)");
    }
    EXPECT_THROW(parse_mean_field_starts("up,,down", 1), ParseError);
    // So is a final comma, as in --bounds (it was accepted silently).
    for (const char* list : {"up,", ",up", ","}) {
        try {
            parse_mean_field_starts(list, 1, "--starts");
            FAIL() << "no ParseError for " << list;
        } catch (const ParseError& e) {
            EXPECT_EQ(std::string(e.what()),
                      "unknown start '' in --starts (expected up, down, paramagnet, anneal, "
                      "random, warm)");
        }
    }
}

}  // namespace
}  // namespace isingmf
