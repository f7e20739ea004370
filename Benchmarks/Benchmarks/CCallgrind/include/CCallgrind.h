#ifndef CCALLGRIND_H
#define CCALLGRIND_H

/// Whether the process runs under valgrind.
int callgrind_is_running(void);

/// Zeroes callgrind's counts and starts counting instructions, in every thread.
void callgrind_start(void);

/// Stops counting and writes what was counted since `callgrind_start` to a file of its own,
/// labelled `label`.
void callgrind_stop(const char *label);

#endif
