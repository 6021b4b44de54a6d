#!/bin/sh
# check-banned.sh - fail when C sources use functions banned by STYLE.md.
# sprintf strcpy strcat strtok atoi atol sscanf gets have safer equivalents
# (snprintf, memcpy with explicit lengths, ng_parse_* helpers).
cd "$(dirname "$0")/.." || exit 2
hits=$(grep -rnE '(^|[^_[:alnum:]])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|sscanf|gets)[[:space:]]*\(' \
	--include='*.c' --include='*.h' lib src include tests bench 2>/dev/null |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*|//)')
if [ -n "$hits" ]; then
	echo "banned functions used:"
	echo "$hits"
	exit 1
fi
echo "banned-function check: clean"
