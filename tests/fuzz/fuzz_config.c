/*
 * fuzz_config.c - libFuzzer target for the configuration parser
 * (ng_config_parse_text): any bytes, as a configuration file.  Whatever
 * loads must also print, and every accessor of every key must work.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ndrguard/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_config *cfg = ng_config_new();
	if (cfg == NULL)
		return 0;
	char err[512];
	if (ng_config_parse_text(cfg, "fuzz.conf", (const char *)data, size, err, sizeof(err)) ==
	    0) {
		FILE *devnull = fopen("/dev/null", "w");
		if (devnull != NULL) {
			ng_config_print(cfg, devnull, false);
			fclose(devnull);
		}
		for (unsigned k = 0; k < NG_K__COUNT; k++) {
			const struct ng_config_key *key = ng_config_key_info((enum ng_key)k);
			const char *const *items;
			char buf[256];
			switch (key->type) {
			case NG_CONF_LIST:
				ng_config_list(cfg, (enum ng_key)k, &items);
				break;
			case NG_CONF_INT:
			case NG_CONF_TIME:
				(void)ng_config_int(cfg, (enum ng_key)k);
				break;
			case NG_CONF_BOOL:
				(void)ng_config_bool(cfg, (enum ng_key)k);
				break;
			default:
				(void)ng_config_str(cfg, (enum ng_key)k);
				break;
			}
			ng_config_format(cfg, (enum ng_key)k, buf, sizeof(buf));
		}
	}
	ng_config_free(cfg);
	return 0;
}
