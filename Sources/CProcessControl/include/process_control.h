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

/// Starts `path` with `argv` and `envp` as posix_spawn would (descriptors `input`, `output` and
/// `errors` as 0, 1 and 2, where -1 means /dev/null for input and "ours" for errors; every other
/// descriptor closed; default signal handling and an empty mask; a process group of its own with
/// `new_group`), and in addition sent `death_signal` by the kernel when the calling thread's process
/// dies, if it is not 0 (PR_SET_PDEATHSIG, which posix_spawn cannot set). The parent of
/// PR_SET_PDEATHSIG is the calling *thread*: call it from a thread that outlives the child.
/// Returns 0 and the pid in `pid`, or an error number.
int replicator_spawn(int *pid, const char *path, char *const argv[], char *const envp[], int input, int output,
                     int errors, int new_group, int death_signal);

/// Sets glibc's mmap threshold to `bytes` (mallopt M_MMAP_THRESHOLD, which also stops glibc from
/// raising it as large blocks are freed): blocks that large are mapped on their own and returned to
/// the system when freed. Returns 1 on success, 0 on failure or where glibc is not the allocator.
int replicator_set_mmap_threshold(int bytes);

#endif
