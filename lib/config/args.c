/*
 * args.c - the -c and -o options every command takes (config.h).
 */
#include "ndrguard/config.h"

#include <stdio.h>

void ng_config_args_take(struct ng_config_args *a, int opt, const char *arg)
{
	if (opt == 'c') {
		a->path = arg;
	} else if (opt == 'o') {
		if (a->n < NG_CONFIG_OVERRIDES_MAX)
			a->overrides[a->n++] = arg;
		else
			a->too_many = true;
	}
}

struct ng_config *ng_config_args_load(const struct ng_config_args *a, char *err, size_t errlen)
{
	if (a->too_many) {
		snprintf(err, errlen, "more than %d -o options", NG_CONFIG_OVERRIDES_MAX);
		return NULL;
	}
	return ng_config_setup(a->path, a->overrides, a->n, err, errlen);
}
