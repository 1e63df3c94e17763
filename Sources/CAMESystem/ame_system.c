#define _GNU_SOURCE
#include "ame_system.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void child_fail(int report_fd, int error) {
    ssize_t ignored = write(report_fd, &error, sizeof(error));
    (void)ignored;
    _exit(127);
}

/* Between fork and exec only async-signal-safe calls are made. */
pid_t ame_spawn(const ame_spawn_options *o, int *error_out) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *error_out = errno;
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        *error_out = errno;
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0) {
        /* Signals: default dispositions and an empty mask, whatever the parent had. */
        sigset_t empty;
        sigemptyset(&empty);
        sigprocmask(SIG_SETMASK, &empty, NULL);
        for (int sig = 1; sig < 32; sig++) {
            if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
        }
        if (o->new_session) {
            if (setsid() < 0) child_fail(report[1], errno);
        } else if (o->new_process_group) {
            if (setpgid(0, 0) < 0) child_fail(report[1], errno);
        }
        if (o->death_signal > 0) {
            if (prctl(PR_SET_PDEATHSIG, o->death_signal) < 0) child_fail(report[1], errno);
            /* The parent may have died before prctl took effect. */
            if (getppid() != parent) _exit(128 + o->death_signal);
        }
        int fds[3] = {o->stdin_fd, o->stdout_fd, o->stderr_fd};
        for (int target = 0; target < 3; target++) {
            int source = fds[target];
            if (source < 0) {
                source = open("/dev/null", target == 0 ? O_RDONLY : O_WRONLY);
                if (source < 0) child_fail(report[1], errno);
            }
            if (source == target) {
                int flags = fcntl(source, F_GETFD);
                if (flags >= 0) fcntl(source, F_SETFD, flags & ~FD_CLOEXEC);
            } else if (dup2(source, target) < 0) {
                child_fail(report[1], errno);
            }
        }
        /* Close everything else except the report pipe (close-on-exec already). */
#ifdef SYS_close_range
        if (syscall(SYS_close_range, 3, report[1] - 1, 0) != 0 ||
            syscall(SYS_close_range, report[1] + 1, ~0U, 0) != 0)
#endif
        {
            long max = sysconf(_SC_OPEN_MAX);
            if (max < 0 || max > 65536) max = 65536;
            for (int fd = 3; fd < max; fd++) {
                if (fd != report[1]) close(fd);
            }
        }
        if (o->cwd && chdir(o->cwd) != 0) child_fail(report[1], errno);
        execve(o->path, o->argv, o->envp);
        child_fail(report[1], errno);
    }
    close(report[1]);
    int child_error = 0;
    ssize_t got;
    do {
        got = read(report[0], &child_error, sizeof(child_error));
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == sizeof(child_error)) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error_out = child_error;
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

int ame_syncfs(int fd) { return syncfs(fd); }
