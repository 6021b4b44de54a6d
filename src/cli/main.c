/*
 * main.c - ndrguard: dispatch to a subcommand.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*help)(void);
	const char *summary;
} commands[] = {
    {"classify", ng_cmd_classify, ng_help_classify,
     "classify messages: bounce, delay, auto-reply, ... (JSON lines or a table)"},
    {"lookup", ng_cmd_lookup, ng_help_lookup, "look IP addresses up on the configured DNSBL zones"},
    {"config", ng_cmd_config, ng_help_config, "print or check the configuration (like postconf)"},
    {"policyd", ng_cmd_policyd, ng_help_policyd,
     "Postfix policy service: DNSBL safe mode (check_policy_service)"},
    {"milter", ng_cmd_milter, ng_help_milter,
     "milter: classify bounces and auto-replies at end of data (extended safe mode)"},
    {"batv", ng_cmd_batv, ng_help_batv, "BATV: sign an envelope address, or verify a signed one"},
    {"quarantine", ng_cmd_quarantine, ng_help_quarantine,
     "the relay guard's held messages: list, show, release, delete, expire"},
    {"list", ng_cmd_list, ng_help_list,
     "the trap DNSBL's listings: add, del, show, export, import"},
    {"trapd", ng_cmd_trapd, ng_help_trapd,
     "trap SMTP server: records hosts that send backscatter to the trap domains"},
    {"dnsbld", ng_cmd_dnsbld, ng_help_dnsbld,
     "authoritative DNS for the list zone: A and TXT per listed IP, RFC 5782"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ndrguard COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "  %-11s %s\n", "help", "help [COMMAND]: describe a command");
	fprintf(f, "  %-11s %s\n", "version", "print the version");
	fprintf(f, "\nSee ndrguard(1) and ndrguard-COMMAND(1).\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return NG_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("ndrguard %s\n", NG_VERSION);
		return NG_EXIT_OK;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		if (argc > 2) {
			const struct command *c = find(argv[2]);
			if (c == NULL) {
				fprintf(stderr, "ndrguard: unknown command '%s'\n", argv[2]);
				usage(stderr);
				return NG_EXIT_USAGE;
			}
			c->help();
			return NG_EXIT_OK;
		}
		usage(stdout);
		return NG_EXIT_OK;
	}
	const struct command *c = find(cmd);
	if (c == NULL) {
		fprintf(stderr, "ndrguard: unknown command '%s'\n", cmd);
		usage(stderr);
		return NG_EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
