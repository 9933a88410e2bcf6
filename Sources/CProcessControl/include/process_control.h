#ifndef REPLICATOR_PROCESS_CONTROL_H
#define REPLICATOR_PROCESS_CONTROL_H

/// Asks the kernel to SIGKILL this process when its parent dies (Linux prctl PR_SET_PDEATHSIG;
/// prctl is variadic, so Swift cannot call it directly). Returns 0 on success, -1 where unsupported
/// or when the parent is already gone.
int replicator_die_with_parent(void);

#endif
