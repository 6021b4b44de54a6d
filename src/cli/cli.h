/*
 * cli.h - the subcommands of the one ndrguard executable.
 *
 * Exit codes (DESIGN.md): 0 success, 2 usage or configuration error,
 * 3 runtime failure; yes/no commands exit 0 for yes and 1 for no.
 */
#ifndef NG_CLI_H
#define NG_CLI_H

#define NG_EXIT_OK      0
#define NG_EXIT_NO      1
#define NG_EXIT_USAGE   2
#define NG_EXIT_RUNTIME 3

#include <ndrguard/config.h>

#include <stdbool.h>
#include <stddef.h>

/* A daemon's own flag: -LETTER or --NAME; with value != NULL it takes an
 * argument, stored there; set (if not NULL) becomes true when given. */
struct ng_daemon_flag {
	const char *name;
	int letter;
	const char **value;
	bool *set;
};
/*
 * The command line of a daemon (daemon_args.c): -c FILE, -o key=value
 * (kept in *args, for reloads), -h/--help (prints help()), the daemon's
 * own flags (at most 4), no other arguments; then the configuration,
 * loaded.  NULL when the daemon must not run: *exit_code is then 0 after
 * help or 2 after a usage or configuration error (the message printed).
 */
struct ng_config *ng_daemon_args(int argc, char **argv, const char *cmd, void (*help)(void),
                                 const struct ng_daemon_flag *flags, size_t nflags,
                                 struct ng_config_args *args, int *exit_code);

int ng_cmd_classify(int argc, char **argv);
void ng_help_classify(void);
int ng_cmd_lookup(int argc, char **argv);
void ng_help_lookup(void);
int ng_cmd_config(int argc, char **argv);
void ng_help_config(void);
int ng_cmd_policyd(int argc, char **argv);
void ng_help_policyd(void);
int ng_cmd_milter(int argc, char **argv);
void ng_help_milter(void);
int ng_cmd_batv(int argc, char **argv);
void ng_help_batv(void);
int ng_cmd_quarantine(int argc, char **argv);
void ng_help_quarantine(void);
int ng_cmd_list(int argc, char **argv);
void ng_help_list(void);
int ng_cmd_trapd(int argc, char **argv);
void ng_help_trapd(void);
int ng_cmd_dnsbld(int argc, char **argv);
void ng_help_dnsbld(void);

#endif
