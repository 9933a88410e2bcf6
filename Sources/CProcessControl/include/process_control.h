#ifndef REPLICATOR_PROCESS_CONTROL_H
#define REPLICATOR_PROCESS_CONTROL_H

/// Asks the kernel to SIGKILL this process when its parent dies (Linux prctl PR_SET_PDEATHSIG;
/// prctl is variadic, so Swift cannot call it directly). Returns 0 on success, -1 where unsupported
/// or when the parent is already gone.
int replicator_die_with_parent(void);

/// Adds "close every descriptor from `lowest` up" to posix_spawn file actions (glibc 2.34's
/// posix_spawn_file_actions_addclosefrom_np, which Swift cannot see without _GNU_SOURCE): the
/// child closes them itself, so no descriptor another thread opens meanwhile leaks into it.
/// Returns 0, or an error number (ENOSYS where unsupported).
int replicator_spawn_close_from(void *actions, int lowest);

#endif
