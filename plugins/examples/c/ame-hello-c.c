/*
 * ame-hello-c: the C example plugin for AME, using libjansson for JSON.
 *
 * Build:  cc -std=c11 -Wall -O2 -o ame-hello-c ame-hello-c.c -ljansson   (or: make)
 *
 * The protocol is in docs/plugins.md: `--ame-describe` prints one JSON object; under AME,
 * stdin and stdout carry newline-delimited JSON-RPC 2.0 (initialize, then run) and
 * stderr goes straight to the user. Copy this file to start a plugin of your own.
 */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "hello-c"
#define PROTOCOL 1

static const char *describe_json =
    "{\"schemaVersion\":1,\"name\":\"" NAME "\",\"version\":\"1.0.0\",\"vendor\":\"AME examples\","
    "\"shortDescription\":\"Example plugin (C): greet, read the project, submit a run.\","
    "\"protocol\":{\"min\":1,\"max\":1},\"commands\":["
    "{\"name\":\"greet\",\"abstract\":\"Print a greeting.\",\"options\":["
    "{\"names\":[\"--name\",\"-n\"],\"help\":\"Who to greet.\",\"takesValue\":true,\"valueName\":\"name\"},"
    "{\"names\":[\"--shout\"],\"help\":\"Greet loudly.\",\"takesValue\":false}]},"
    "{\"name\":\"project\",\"abstract\":\"Show the project's name and tasks.\"},"
    "{\"name\":\"submit\",\"abstract\":\"Run a task of the project and report its exit code.\","
    "\"arguments\":[{\"name\":\"task\",\"help\":\"The task to run.\",\"completion\":{\"kind\":\"task\"}}]},"
    "{\"name\":\"fail\",\"abstract\":\"Fail on purpose (shows how errors look).\"}]}";

static const char *help_text =
    "OVERVIEW: Example plugin (C): greet, read the project, submit a run.\n\n"
    "USAGE: ame " NAME " <command>\n\n"
    "COMMANDS:\n"
    "  greet [--name NAME] [--shout]   Print a greeting (the default).\n"
    "  project                         Show the project's name and tasks.\n"
    "  submit TASK                     Run a task of the project and report its exit code.\n"
    "  fail                            Fail on purpose (shows how errors look).\n";

static json_int_t next_id = 1;
static int cancelled = 0;
static json_int_t logs_request = -1;

/* One message per line, flushed: AME reads each message as soon as it is written. */
static void send_message(json_t *message) {
    json_object_set_new(message, "jsonrpc", json_string("2.0"));
    char *text = json_dumps(message, JSON_COMPACT);
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        free(text);
    }
    json_decref(message);
}

static void notify(const char *method, json_t *params) {
    send_message(json_pack("{s:s, s:o}", "method", method, "params", params));
}

static void output(const char *text) {
    notify("output", json_pack("{s:s}", "text", text));
}

static void output_line(const char *text) {
    size_t length = strlen(text);
    char *line = malloc(length + 2);
    if (!line) return;
    memcpy(line, text, length);
    line[length] = '\n';
    line[length + 1] = '\0';
    output(line);
    free(line);
}

/* The next message from AME, or NULL at end of input. Lines that are not JSON are skipped. */
static json_t *receive_message(void) {
    char *line = NULL;
    size_t capacity = 0;
    json_t *message = NULL;
    while (!message) {
        if (getline(&line, &capacity, stdin) < 0) break;
        message = json_loads(line, 0, NULL);
    }
    free(line);
    return message;
}

/* Notifications and stray requests that arrive while waiting for an answer. */
static void handle_incoming(json_t *message) {
    const char *method = json_string_value(json_object_get(message, "method"));
    if (!method) return;
    json_t *id = json_object_get(message, "id");
    if (strcmp(method, "$/cancel") == 0) {
        cancelled = 1;
    } else if (strcmp(method, "run.log") == 0) {
        json_t *params = json_object_get(message, "params");
        json_int_t request = json_integer_value(json_object_get(params, "request"));
        const char *kind = json_string_value(json_object_get(params, "kind"));
        const char *text = json_string_value(json_object_get(params, "text"));
        if (request == logs_request && kind && text && strcmp(kind, "stdout") == 0) output(text);
    } else if (id) {
        send_message(json_pack("{s:O, s:{s:i, s:s}}", "id", id, "error", "code", -32601,
                               "message", "this plugin has no such method"));
    }
}

/* Calls a host method. Returns the result (owned by the caller) or NULL with *error set. */
static json_t *call(const char *method, json_t *params, json_t **error) {
    *error = NULL;
    if (cancelled) return NULL;
    json_int_t id = next_id++;
    send_message(json_pack("{s:I, s:s, s:o}", "id", id, "method", method, "params", params));
    for (;;) {
        json_t *message = receive_message();
        if (!message) {
            cancelled = 1;
            return NULL;
        }
        json_t *message_id = json_object_get(message, "id");
        if (!json_object_get(message, "method") && json_is_integer(message_id) && json_integer_value(message_id) == id) {
            json_t *result = json_object_get(message, "result");
            json_t *failure = json_object_get(message, "error");
            if (failure) {
                *error = json_incref(failure);
                result = NULL;
            } else {
                result = json_incref(result ? result : json_null());
            }
            json_decref(message);
            return result;
        }
        handle_incoming(message);
        json_decref(message);
        if (cancelled) return NULL;
    }
}

/* A `run` outcome: either a result or an error object (the other is NULL). */
typedef struct {
    json_t *result;
    json_t *error;
} outcome;

static outcome success(int code, json_t *data) {
    outcome value = {json_pack("{s:i}", "exitCode", code), NULL};
    if (data) json_object_set_new(value.result, "data", data);
    return value;
}

static outcome failure(int code, const char *message, json_t *data) {
    outcome value = {NULL, json_pack("{s:i, s:s}", "code", code, "message", message)};
    if (data) json_object_set_new(value.error, "data", data);
    return value;
}

/* A failed host call becomes this command's failure; no error at all means $/cancel. */
static outcome host_failure(json_t *error) {
    if (!error) return failure(-32002, "cancelled", NULL);
    const char *message = json_string_value(json_object_get(error, "message"));
    json_t *data = json_object_get(error, "data");
    outcome value = failure(-32000, message ? message : "host call failed", data ? json_incref(data) : NULL);
    json_decref(error);
    return value;
}

static outcome greet(size_t argc, const char **argv) {
    const char *name = "world";
    int shout = 0;
    for (size_t index = 0; index < argc; index++) {
        const char *argument = argv[index];
        if ((strcmp(argument, "--name") == 0 || strcmp(argument, "-n") == 0) && index + 1 < argc) {
            name = argv[++index];
        } else if (strncmp(argument, "--name=", 7) == 0) {
            name = argument + 7;
        } else if (strcmp(argument, "--shout") == 0) {
            shout = 1;
        } else {
            fprintf(stderr, "Error: unexpected argument '%s'\nUsage: ame " NAME " greet [--name NAME] [--shout]\n", argument);
            return success(64, NULL);
        }
    }
    char greeting[512];
    snprintf(greeting, sizeof greeting, "Hello, %s!", name);
    json_t *data = json_pack("{s:s}", "greeting", greeting);
    if (shout) {
        for (char *cursor = greeting; *cursor; cursor++)
            if (*cursor >= 'a' && *cursor <= 'z') *cursor -= 32;
    }
    output_line(greeting);
    return success(0, data);
}

static outcome show_project(void) {
    json_t *error;
    json_t *project = call("project.get", json_object(), &error);
    if (!project) return host_failure(error);
    char line[4096];
    const char *name = json_string_value(json_object_get(project, "projectName"));
    int used = snprintf(line, sizeof line, "project %s:", name ? name : "?");
    size_t index;
    json_t *task;
    json_array_foreach(json_object_get(project, "tasks"), index, task) {
        const char *task_name = json_string_value(json_object_get(task, "name"));
        if (task_name && used > 0 && (size_t)used < sizeof line)
            used += snprintf(line + used, sizeof line - (size_t)used, "%s %s", index ? "," : "", task_name);
    }
    output_line(line);
    outcome value = success(0, json_pack("{s:s?}", "projectName", name));
    json_decref(project);
    return value;
}

static outcome submit(size_t argc, const char **argv) {
    if (argc != 1) {
        fprintf(stderr, "Error: submit takes one argument, the task\nUsage: ame " NAME " submit TASK\n");
        return success(64, NULL);
    }
    json_t *error;
    json_t *run = call("run.submit", json_pack("{s:s, s:{s:s}}", "task", argv[0], "labels", "example", "c"), &error);
    if (!run) return host_failure(error);
    char run_id[256];
    const char *id_text = json_string_value(json_object_get(run, "id"));
    snprintf(run_id, sizeof run_id, "%s", id_text ? id_text : "?");
    json_decref(run);
    notify("log", json_pack("{s:s, s:s}", "level", "info", "message", "submitted the run"));

    logs_request = next_id;
    json_t *end = call("run.logs", json_pack("{s:s, s:i, s:b}", "id", run_id, "from", 0, "follow", 1), &error);
    logs_request = -1;
    if (!end) return host_failure(error);
    json_t *code = json_object_get(end, "exitCode");
    int exit_code = json_is_integer(code) ? (int)json_integer_value(code) : 1;
    json_decref(end);

    char line[512];
    snprintf(line, sizeof line, "run %s of task %s finished with exit code %d", run_id, argv[0], exit_code);
    output_line(line);
    return success(exit_code, json_pack("{s:s, s:i}", "runId", run_id, "exitCode", exit_code));
}

static outcome run(json_t *argv_json) {
    size_t argc = json_array_size(argv_json);
    const char **argv = calloc(argc + 1, sizeof *argv);
    if (!argv) return failure(-32603, "out of memory", NULL);
    for (size_t index = 0; index < argc; index++) {
        const char *value = json_string_value(json_array_get(argv_json, index));
        argv[index] = value ? value : "";
    }
    outcome value;
    const char *command = argc > 0 ? argv[0] : "greet";
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
        output(help_text);
        value = success(0, NULL);
    } else if (strcmp(command, "greet") == 0) {
        value = greet(argc > 0 ? argc - 1 : 0, argv + (argc > 0));
    } else if (command[0] == '-') {
        value = greet(argc, argv); /* `ame hello-c --name Ada`: greet is the default */
    } else if (strcmp(command, "project") == 0) {
        value = show_project();
    } else if (strcmp(command, "submit") == 0) {
        value = submit(argc - 1, argv + 1);
    } else if (strcmp(command, "fail") == 0) {
        value = failure(-32000, "this command always fails", json_pack("{s:s, s:i}", "hint", "that is its purpose", "exitCode", 3));
    } else {
        fprintf(stderr, "Error: unknown command '%s'\n%s", command, help_text);
        value = success(64, NULL);
    }
    free(argv);
    return value;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--ame-describe") == 0) {
        puts(describe_json);
        return 0;
    }
    if (!getenv("AME_PLUGIN_PROTOCOL")) {
        fprintf(stderr, "ame-" NAME " is an AME plugin and speaks JSON-RPC on stdin/stdout.\n"
                        "  hint: run it as 'ame " NAME "'\n");
        return 2;
    }
    json_t *message;
    while ((message = receive_message())) {
        const char *method = json_string_value(json_object_get(message, "method"));
        json_t *id = json_object_get(message, "id");
        json_t *params = json_object_get(message, "params");
        if (method && id && strcmp(method, "initialize") == 0) {
            json_t *version = json_object_get(params, "protocolVersion");
            if (json_integer_value(version) == PROTOCOL) {
                send_message(json_pack("{s:O, s:{s:i}}", "id", id, "result", "protocolVersion", PROTOCOL));
            } else {
                send_message(json_pack("{s:O, s:{s:i, s:s}}", "id", id, "error", "code", -32602, "message", "this plugin speaks protocol 1"));
            }
        } else if (method && id && strcmp(method, "run") == 0) {
            outcome value = run(json_object_get(params, "argv"));
            int status = 0;
            if (value.result) {
                status = (int)json_integer_value(json_object_get(value.result, "exitCode"));
                send_message(json_pack("{s:O, s:o}", "id", id, "result", value.result));
            } else {
                json_t *code = json_object_get(json_object_get(value.error, "data"), "exitCode");
                status = json_is_integer(code) ? (int)json_integer_value(code) : 1;
                send_message(json_pack("{s:O, s:o}", "id", id, "error", value.error));
            }
            json_decref(message);
            return status;
        } else {
            handle_incoming(message);
        }
        json_decref(message);
    }
    return 0;
}
