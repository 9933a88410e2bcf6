#define _GNU_SOURCE
#include "process_control.h"

#include <errno.h>
#include <spawn.h>

#include <signal.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int replicator_die_with_parent(void) {
#ifdef __linux__
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        return -1;
    }
    // The parent may have died before prctl: then nobody would ever signal us.
    return getppid() == parent ? 0 : -1;
#else
    return -1;
#endif
}

int replicator_spawn_close_from(void *actions, int lowest) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, lowest);
#else
    (void)actions;
    (void)lowest;
    return ENOSYS;
#endif
}
