/* The subcommands of `rppgq`. Each takes argv after the command name (argv[0] is the
 * command name) and returns the process exit status: 0 success, 1 failure, 2 bad usage. */
#ifndef RQ_CLI_COMMANDS_H
#define RQ_CLI_COMMANDS_H

typedef struct rq_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} rq_command;

/* The table lives in main.c; a command not yet built is simply absent. */
extern const rq_command rq_commands[];

int cmd_inspect(int argc, char **argv);
int cmd_export_c(int argc, char **argv);
int cmd_validate_c(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_infer(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif
