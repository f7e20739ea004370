// valgrind's client requests are macros (inline machine code that does nothing outside
// valgrind), which Swift cannot call: these functions wrap the ones the counts need.
#include "CCallgrind.h"

#include <valgrind/callgrind.h>

int callgrind_is_running(void) {
    return RUNNING_ON_VALGRIND;
}

void callgrind_start(void) {
    CALLGRIND_ZERO_STATS;
    CALLGRIND_START_INSTRUMENTATION;
}

void callgrind_stop(const char *label) {
    CALLGRIND_STOP_INSTRUMENTATION;
    CALLGRIND_DUMP_STATS_AT(label);
}
