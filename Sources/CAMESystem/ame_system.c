#define _GNU_SOURCE
#include "ame_system.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

static int write_proc_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    int saved = errno;
    close(fd);
    errno = saved;
    return written == (ssize_t)length ? 0 : -1;
}

int ame_sandbox_exec(const ame_sandbox_options *o, char *const argv[], const char **step_out) {
#define FAIL(step) do { *step_out = step; return errno; } while (0)
    if (o->uid >= 0) {
        /* Raw system calls: they change only this thread's credentials, and this process
         * has no other thread that matters (it execs next). */
        gid_t gid = (gid_t)(o->gid >= 0 ? o->gid : o->uid);
        if (syscall(SYS_setgroups, 0, NULL) != 0) FAIL("drop supplementary groups");
        if (syscall(SYS_setresgid, gid, gid, gid) != 0) FAIL("switch group");
        if (syscall(SYS_setresuid, (uid_t)o->uid, (uid_t)o->uid, (uid_t)o->uid) != 0) FAIL("switch user");
        /* Changing user made this process undumpable, which makes its /proc files root's: it
         * could not write its own uid map. Nothing of root's is left in it to protect. */
        if (prctl(PR_SET_DUMPABLE, 1) != 0) FAIL("become dumpable");
        /* A user namespace of its own, created unprivileged: the process limit below then
         * counts the processes of this sandbox, not every process of the user. */
        if (unshare(CLONE_NEWUSER) == 0) {
            char map[64];
            snprintf(map, sizeof map, "%lld %lld 1\n", o->uid, o->uid);
            if (write_proc_file("/proc/self/uid_map", map) != 0) FAIL("write the user namespace's uid map");
            if (write_proc_file("/proc/self/setgroups", "deny") != 0) FAIL("deny setgroups");
            snprintf(map, sizeof map, "%lld %lld 1\n", (long long)gid, (long long)gid);
            if (write_proc_file("/proc/self/gid_map", map) != 0) FAIL("write the user namespace's gid map");
        } else if (errno != EPERM && errno != EACCES && errno != ENOSPC && errno != EINVAL) {
            FAIL("enter a user namespace");
        }
        /* Where the system forbids unprivileged user namespaces (Ubuntu's AppArmor rule), the
         * process limit counts every process of this uid instead. */
    }
    if (o->max_processes >= 0) {
        struct rlimit limit = {(rlim_t)o->max_processes, (rlim_t)o->max_processes};
        if (setrlimit(RLIMIT_NPROC, &limit) != 0) FAIL("limit the number of processes");
    }
    if (o->max_file_size >= 0) {
        struct rlimit limit = {(rlim_t)o->max_file_size, (rlim_t)o->max_file_size};
        if (setrlimit(RLIMIT_FSIZE, &limit) != 0) FAIL("limit the file size");
    }
    umask(022);
    execvp(argv[0], argv);
    FAIL("start the command");
#undef FAIL
}

pid_t ame_gettid(void) {
    return (pid_t)syscall(SYS_gettid);
}
