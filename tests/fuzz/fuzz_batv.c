/*
 * fuzz_batv.c - libFuzzer target for the BATV tag parser and verifier
 * (lib/batv/batv.c): envelope recipients are peer data.
 *
 * The input is an address of arbitrary bytes (NULs included), checked as
 * of a clock taken from nothing but the input's length, with two keys.
 *
 * Oracles beyond the sanitizers: the status agrees with the form (only
 * prvs and sub forms get past not-signed); the original is a string no
 * longer than the input and, for our forms, shorter by the 16 bytes of the
 * tag; signing a NUL-free input either fails, leaves a tagged address as
 * it is, or yields an address that verifies as valid to its original.
 */
#include <ndrguard/batv.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ng_batv_key keys[] = {{0, (const unsigned char *)"secret", 6},
	                                          {7, (const unsigned char *)"k7", 2}};
	static const char *const doms[] = {"example.com"};
	struct ng_batv_opts o = {.keys = keys, .nkeys = 2, .domains = doms, .ndomains = 1};
	char err[128], orig[NG_BATV_SIGNED_MAX], in[1024], out[NG_BATV_SIGNED_MAX];
	struct ng_batv_check c;
	struct ng_batv *b = ng_batv_new(&o, err, sizeof(err));
	if (b == NULL)
		abort();
	time_t now = (time_t)(20786 + size % 1000) * 86400;

	enum ng_batv_status s =
	    ng_batv_verify_mem(b, (const char *)data, size, now, &c, orig, sizeof(orig));
	if (s != c.status)
		abort();
	bool ours = c.form == NG_BATV_FORM_PRVS || c.form == NG_BATV_FORM_SUB;
	if (!ours && s != NG_BATV_NOT_SIGNED)
		abort();
	size_t olen = strnlen(orig, sizeof(orig));
	if (olen >= sizeof(orig) || olen > size)
		abort();
	if (ours && olen != 0 && olen + 16 != size)
		abort();

	if (size < sizeof(in) && memchr(data, '\0', size) == NULL) {
		memcpy(in, data, size);
		in[size] = '\0';
		int r = ng_batv_sign(b, in, now, out, sizeof(out));
		if (r == 0) {
			if (ng_batv_verify(b, out, now, &c, orig, sizeof(orig)) != NG_BATV_VALID ||
			    strcmp(orig, in) != 0)
				abort();
		} else if (r == 1) {
			if (strcmp(out, in) != 0 || ng_batv_form(in) == NG_BATV_FORM_NONE)
				abort();
		} else if (out[0] != '\0') {
			abort();
		}
	}
	ng_batv_free(b);
	return 0;
}
