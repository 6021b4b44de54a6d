/*
 * cmd_config.c - `ndrguard config [-c FILE] [-o key=value]... [-n|-d|-l] [KEY...]`
 *
 * Like postconf(1): prints the effective configuration as `key = value`
 * lines (every key, or the KEYs named), only what the file and -o set (-n),
 * the embedded defaults (-d), or the table of keys with their types,
 * defaults and descriptions (-l).  Loading the file checks every line, so
 * `ndrguard config -n` is also the way to test a configuration before a
 * reload: on an error it names file and line and exits 2.
 */
#include "cli.h"

#include <ndrguard/config.h>
#include <ndrguard/dnsbl.h>
#include <ndrguard/policy.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ng_help_config(void)
{
	printf("usage: ndrguard config [-c FILE] [-o key=value]... [-n | -d | -l] [KEY...]\n"
	       "\n"
	       "Print the effective configuration as 'key = value' lines, in the form\n"
	       "ndrguard.conf(5) takes.  Every line of the file is checked; an unknown key\n"
	       "or a bad value is reported with file and line.\n"
	       "\n"
	       "  -c FILE          the configuration file (default " NG_CONFIG_DEFAULT_PATH ";\n"
	       "                   without it, the embedded defaults)\n"
	       "  -o key=value     override a key (repeatable)\n"
	       "  -n               only the keys the file or -o set\n"
	       "  -d               the embedded defaults, ignoring the file\n"
	       "  -l               list every key: type, default, description\n"
	       "  KEY...           only these keys\n"
	       "\n"
	       "Exit: 0 the configuration is valid, 2 it is not (or usage error).\n");
}

static const char *type_name(enum ng_config_type t)
{
	static const char *const names[] = {"string", "int",  "time",  "bool",
	                                    "enum",   "list", "listen"};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void list_keys(void)
{
	for (unsigned k = 0; k < NG_K__COUNT; k++) {
		const struct ng_config_key *key = ng_config_key_info((enum ng_key)k);
		printf("%s (%s", key->name, type_name(key->type));
		if (key->type == NG_CONF_ENUM)
			printf(": %s", key->choices);
		else if (key->type == NG_CONF_INT || key->type == NG_CONF_TIME)
			printf(", %lld..%lld%s", key->min, key->max,
			       key->type == NG_CONF_TIME ? " s" : "");
		printf(", default \"%s\")\n    %s\n", key->def, key->doc);
	}
}

/* The checks of the modules that read the keys: zones, networks,
 * templates; 0, or -1 with the message in err. */
static int check_modules(const struct ng_config *cfg, char *err, size_t errlen)
{
	if (ng_dnsbl_config_check(cfg, err, errlen) != 0)
		return -1;
	struct ng_policy *pol = ng_policy_from_config(cfg, err, errlen);
	if (pol == NULL)
		return -1;
	ng_policy_free(pol);
	return 0;
}

int ng_cmd_config(int argc, char **argv)
{
	struct ng_config_args args;
	enum { ALL, SET, DEFAULTS, LIST } mode = ALL;
	int c;

	memset(&args, 0, sizeof(args));
	optind = 1;
	while ((c = getopt(argc, argv, "c:o:ndlh")) != -1) {
		switch (c) {
		case 'c':
		case 'o':
			ng_config_args_take(&args, c, optarg);
			break;
		case 'n':
			mode = SET;
			break;
		case 'd':
			mode = DEFAULTS;
			break;
		case 'l':
			mode = LIST;
			break;
		case 'h':
			ng_help_config();
			return NG_EXIT_OK;
		default:
			ng_help_config();
			return NG_EXIT_USAGE;
		}
	}
	if (mode == LIST) {
		list_keys();
		return NG_EXIT_OK;
	}

	char err[1024];
	struct ng_config *cfg =
	    mode == DEFAULTS ? ng_config_new() : ng_config_args_load(&args, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "ndrguard config: %s\n", mode == DEFAULTS ? "out of memory" : err);
		return mode == DEFAULTS ? NG_EXIT_RUNTIME : NG_EXIT_USAGE;
	}
	if (check_modules(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "ndrguard config: %s\n", err);
		ng_config_free(cfg);
		return NG_EXIT_USAGE;
	}

	int rc = NG_EXIT_OK;
	if (optind < argc) {
		char buf[8192];
		for (int i = optind; i < argc; i++) {
			enum ng_key k;
			if (!ng_config_key_find(argv[i], &k)) {
				fprintf(stderr, "ndrguard config: unknown key '%s'\n", argv[i]);
				rc = NG_EXIT_USAGE;
				continue;
			}
			if (mode == SET && !ng_config_is_set(cfg, k))
				continue;
			ng_config_format(cfg, k, buf, sizeof(buf));
			printf("%s =%s%s\n", argv[i], buf[0] != '\0' ? " " : "", buf);
		}
	} else {
		ng_config_print(cfg, stdout, mode == SET);
	}
	ng_config_free(cfg);
	return rc;
}
