#include "process_control.h"

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
