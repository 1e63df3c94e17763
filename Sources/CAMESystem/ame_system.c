#define _GNU_SOURCE
#include "ame_system.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the child needs, and where it leaves the errno of a step that failed. The child
 * shares this memory with the parent until it execs (CLONE_VM), so no pipe is needed to
 * report an exec failure. */
typedef struct {
    const ame_spawn_options *options;
    pid_t parent;
    volatile int error;
} spawn_child_args;

static int child_fail(spawn_child_args *args, int error) {
    args->error = error;
    _exit(127);
}

/* Runs in the child on its own small stack, in the parent's memory until execve. Only
 * async-signal-safe calls; nothing that allocates or takes a lock the parent may hold. */
static int spawn_child(void *raw) {
    spawn_child_args *args = raw;
    const ame_spawn_options *o = args->options;
    /* Every signal arrives blocked (the parent blocked them all before clone). Handlers
     * the parent installed must not run here, on the parent's memory: back to defaults
     * (an ignored SIGPIPE too), and only then unblock, right before execve. */
    struct sigaction defaults;
    memset(&defaults, 0, sizeof(defaults));
    defaults.sa_handler = SIG_DFL;
    sigemptyset(&defaults.sa_mask);
    for (int sig = 1; sig < _NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &defaults, NULL);
    }
    if (o->new_session) {
        if (setsid() < 0) return child_fail(args, errno);
    } else if (o->new_process_group) {
        if (setpgid(0, 0) < 0) return child_fail(args, errno);
    }
    if (o->death_signal > 0) {
        if (prctl(PR_SET_PDEATHSIG, o->death_signal) < 0) return child_fail(args, errno);
        /* The parent may have died before prctl took effect. */
        if (getppid() != args->parent) _exit(128 + o->death_signal);
    }
    int fds[3] = {o->stdin_fd, o->stdout_fd, o->stderr_fd};
    for (int target = 0; target < 3; target++) {
        int source = fds[target];
        if (source < 0) {
            source = open("/dev/null", target == 0 ? O_RDONLY : O_WRONLY);
            if (source < 0) return child_fail(args, errno);
        }
        if (source == target) {
            int flags = fcntl(source, F_GETFD);
            if (flags >= 0) fcntl(source, F_SETFD, flags & ~FD_CLOEXEC);
        } else if (dup2(source, target) < 0) {
            return child_fail(args, errno);
        }
    }
    /* Close everything else (the file table is the child's own: no CLONE_FILES). */
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3, ~0U, 0) != 0)
#endif
    {
        long max = sysconf(_SC_OPEN_MAX);
        if (max < 0 || max > 65536) max = 65536;
        for (int fd = 3; fd < max; fd++) close(fd);
    }
    if (o->cwd && chdir(o->cwd) != 0) return child_fail(args, errno);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execve(o->path, o->argv, o->envp);
    return child_fail(args, errno);
}

/* clone(CLONE_VM | CLONE_VFORK), as glibc's posix_spawn does, rather than fork: the child
 * does not copy the parent's page tables (AME's binary is large, and fork cost ~1 ms of
 * each plugin dispatch and run step, plus as much again to tear the copy down at exec).
 * The parent thread waits until the child has exec'd or failed. posix_spawn itself cannot
 * set a parent-death signal, hence this. */
pid_t ame_spawn(const ame_spawn_options *o, int *error_out) {
    const size_t stack_size = 64 * 1024;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        *error_out = errno;
        return -1;
    }
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    spawn_child_args args = {.options = o, .parent = getpid(), .error = 0};
    pid_t pid = clone(spawn_child, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    munmap(stack, stack_size);
    if (pid < 0) {
        *error_out = clone_error;
        return -1;
    }
    if (args.error != 0) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error_out = args.error;
        return -1;
    }
    return pid;
}

int ame_wait(pid_t pid, int *status_out, int no_hang) {
    int result;
    do {
        result = waitpid(pid, status_out, no_hang ? WNOHANG : 0);
    } while (result < 0 && errno == EINTR);
    return result;
}

int ame_wifexited(int status) { return WIFEXITED(status); }
int ame_wexitstatus(int status) { return WEXITSTATUS(status); }
int ame_wifsignaled(int status) { return WIFSIGNALED(status); }
int ame_wtermsig(int status) { return WTERMSIG(status); }

int ame_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1); }

int ame_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int ame_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int ame_syncfs(int fd) { return syncfs(fd); }
