#include "ame_system.h"

// scripts/build-release writes ame_build_stamp.h (git-ignored) beside this file before a
// release build and removes it afterwards, touching this file each time so that only it is
// compiled again and the binaries relinked. Any other build compiles without it: a
// development build says it is one instead of carrying a stale commit.
#if __has_include("ame_build_stamp.h")
#include "ame_build_stamp.h"
#endif

#ifndef AME_BUILD_COMMIT
#define AME_BUILD_COMMIT ""
#endif
#ifndef AME_BUILD_DATE
#define AME_BUILD_DATE ""
#endif
#ifndef AME_BUILD_SWIFT_VERSION
#define AME_BUILD_SWIFT_VERSION ""
#endif

const char *ame_build_commit(void) { return AME_BUILD_COMMIT; }
const char *ame_build_date(void) { return AME_BUILD_DATE; }
const char *ame_build_swift_version(void) { return AME_BUILD_SWIFT_VERSION; }
