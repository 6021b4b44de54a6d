/*
 * daemon_args.c - the command line every daemon shares (cli.h,
 * ng_daemon_args): -c FILE, -o key=value, -h/--help, plus the daemon's own
 * flags, then the configuration loaded.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define FLAGS_MAX 4

struct ng_config *ng_daemon_args(int argc, char **argv, const char *cmd, void (*help)(void),
                                 const struct ng_daemon_flag *flags, size_t nflags,
                                 struct ng_config_args *args, int *exit_code)
{
	struct option longopts[FLAGS_MAX + 2];
	char shortopts[8 + 2 * FLAGS_MAX] = "+c:o:h";
	size_t sl = strlen(shortopts), n = 0;
	for (size_t i = 0; i < nflags && i < FLAGS_MAX; i++, n++) {
		longopts[n] = (struct option){
		    flags[i].name, flags[i].value != NULL ? required_argument : no_argument, NULL,
		    flags[i].letter};
		shortopts[sl++] = (char)flags[i].letter;
		if (flags[i].value != NULL)
			shortopts[sl++] = ':';
	}
	shortopts[sl] = '\0';
	longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n] = (struct option){NULL, 0, NULL, 0};

	memset(args, 0, sizeof(*args));
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct ng_daemon_flag *f = NULL;
		for (size_t i = 0; i < nflags && f == NULL; i++)
			if (flags[i].letter == c)
				f = &flags[i];
		if (f != NULL) {
			if (f->value != NULL)
				*f->value = optarg;
			if (f->set != NULL)
				*f->set = true;
		} else if (c == 'c' || c == 'o') {
			ng_config_args_take(args, c, optarg);
		} else if (c == 'h') {
			help();
			*exit_code = NG_EXIT_OK;
			return NULL;
		} else {
			fprintf(stderr, "ndrguard: %s: bad option '%s' (see ndrguard help %s)\n",
			        cmd, argv[optind - 1], cmd);
			*exit_code = NG_EXIT_USAGE;
			return NULL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ndrguard: %s: unexpected argument '%s'\n", cmd, argv[optind]);
		*exit_code = NG_EXIT_USAGE;
		return NULL;
	}
	char err[1024];
	struct ng_config *cfg = ng_config_args_load(args, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "ndrguard: %s: %s\n", cmd, err);
		*exit_code = NG_EXIT_USAGE;
	}
	return cfg;
}
