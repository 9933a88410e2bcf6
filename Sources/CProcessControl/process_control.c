#define _GNU_SOURCE
#include "process_control.h"

#include <errno.h>
#include <spawn.h>

#include <signal.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
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

#ifdef __linux__
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/// The child's side, between vfork and exec: only system calls (it shares the parent's memory).
static void replicator_exec_child(const char *path, char *const argv[], char *const envp[], int input, int output,
                                  int errors, int new_group, int death_signal, pid_t parent,
                                  volatile int *failure) {
    struct sigaction fallback;
    fallback.sa_handler = SIG_DFL;
    fallback.sa_flags = 0;
    sigemptyset(&fallback.sa_mask);
    for (int signal_number = 1; signal_number < NSIG; signal_number++) {
        if (signal_number != SIGKILL && signal_number != SIGSTOP) sigaction(signal_number, &fallback, NULL);
    }
    if (new_group && setpgid(0, 0) != 0) goto fail;
    if (death_signal != 0) {
        if (prctl(PR_SET_PDEATHSIG, death_signal) != 0) goto fail;
        if (getppid() != parent) {
            errno = ESRCH;
            goto fail;
        }
    }
    if (input < 0) {
        input = open("/dev/null", O_RDONLY);
        if (input < 0) goto fail;
    }
    if (dup2(input, 0) < 0 || dup2(output, 1) < 0) goto fail;
    if (errors >= 0 && dup2(errors, 2) < 0) goto fail;
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        for (int descriptor = 3; descriptor < 65536; descriptor++) close(descriptor);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, argv, envp);
fail:
    *failure = errno ? errno : ECHILD;
    _exit(127);
}
#endif

int replicator_spawn(int *pid, const char *path, char *const argv[], char *const envp[], int input, int output,
                     int errors, int new_group, int death_signal) {
#ifdef __linux__
    // Signals stay blocked across vfork: no handler may run in the child on our stack.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    volatile int failure = 0;
    pid_t parent = getpid();
    pid_t child = vfork();
    if (child == 0) {
        replicator_exec_child(path, argv, envp, input, output, errors, new_group, death_signal, parent, &failure);
    }
    int spawn_error = child < 0 ? errno : failure;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (child > 0 && spawn_error != 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (spawn_error != 0) return spawn_error;
    *pid = child;
    return 0;
#else
    (void)pid, (void)path, (void)argv, (void)envp, (void)input, (void)output, (void)errors, (void)new_group;
    (void)death_signal;
    return ENOSYS;
#endif
}

int replicator_set_mmap_threshold(int bytes) {
#ifdef __GLIBC__
    return mallopt(M_MMAP_THRESHOLD, bytes);
#else
    (void)bytes;
    return 0;
#endif
}
