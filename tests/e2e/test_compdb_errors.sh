#!/usr/bin/env bash
# A compile_commands.json tsafe cannot use as a whole is refused, naming where it is wrong
# (never partly accepted); entries compiling one file twice are said, not dropped silently;
# entries that assemble are said and skipped;
# a source that cannot be read is reported as unreadable, not as a flags problem.
. "$(dirname "$0")/lib.sh"
S="$FIXTURES/scan"
P="$WORK/proj"
mkdir -p "$P"
cp "$S/race.c" "$S/clean.c" "$P/"

entry() { printf '{"directory": "%s", "file": "%s", "arguments": ["cc", "-pthread", %s"-c", "%s"]}' "$P" "$1" "${2:-}" "$1"; }
db() { printf '[%s]\n' "$(IFS=,; echo "$*")" >"$P/compile_commands.json"; }
scan() { run_tsafe scan -p "$P" --db "$WORK/t.db" --root "$P"; }

# Not valid JSON: exit 2 with the position, and nothing analysed.
printf '[%s,\n {"directory": "%s", "file": "bad\\q.c", "command": "cc -c bad.c"}]\n' "$(entry race.c)" "$P" \
	>"$P/compile_commands.json"
scan
expect "an invalid escape: exit 2 naming the position" 2 "compile_commands.json is not valid JSON: error at line 2, column [0-9]+"
check "  ...and nothing of it was analysed (no finding printed)" test -z "$(grep -i 'data race' <<<"$out")"
printf '[%s,\n%s\n' "$(entry race.c)" "$(entry clean.c)" >"$P/compile_commands.json"
scan
expect "a missing closing ]: exit 2 at the end of the file" 2 "not valid JSON: error at line 3.*closing"
printf '[%s, {"directory": "%s", "command": "cc -c x.c"}]\n' "$(entry race.c)" "$P" >"$P/compile_commands.json"
scan
expect "an entry without \"file\": exit 2 naming the entry" 2 "entry 2 has no \"file\" string"
check "  ...in one line" test "$(wc -l <"$WORK/stderr")" -eq 1

# One file compiled twice: said, with how the commands differ.
db "$(entry race.c)" "$(entry clean.c)" "$(entry race.c '"-DDEBUG", ')"
scan
expect "a file compiled twice is analysed" 1 "data race"
check "  ...and the second entry is named, with its flags" \
	grep -q "entry 3 compiles $P/race.c again (with -DDEBUG): it is analysed once, with the flags of entry 1" "$WORK/stderr"
db "$(entry race.c '"-o", "a/race.o", "-MF", "a/race.d", ')" "$(entry race.c '"-o", "b/race.o", "-MF", "b/race.d", "-DTWO", ')"
scan
check "two targets' objects are not a difference, their flags are" \
	grep -q "entry 2 compiles $P/race.c again (with -DTWO): it is analysed once" "$WORK/stderr"
db "$(entry race.c)" "$(entry race.c)"
scan
check "the same command twice is said too" grep -q "entry 2 compiles $P/race.c again (same command)" "$WORK/stderr"
# Many targets compiling the same sources: the first three said, the rest counted in one line.
db "$(entry race.c)" "$(entry race.c)" "$(entry race.c)" "$(entry race.c)" "$(entry race.c)" "$(entry race.c)"
scan
check "five entries compiling a file again are counted in one line" \
	grep -q "5 entries of compile_commands.json compile a file an earlier entry compiles" "$WORK/stderr"
check "  ...of which only the first three are named" test "$(grep -c 'compiles .*race.c again' "$WORK/stderr")" -eq 3

# Units that assemble (.S files, -x assembler) sit beside C in real builds: not C, said in
# one line and not analysed, never an error (exit 1 here only for race.c's finding).
printf '\t.text\n\t.globl decode\ndecode:\n\tret\n' >"$P/decode_amd64.S"
printf '\t.text\n' >"$P/switch.asmsrc"
db "$(entry race.c)" "$(entry decode_amd64.S)" "$(entry switch.asmsrc '"-x", "assembler-with-cpp", ')"
scan
expect "assembler units: skipped, the C analysed" 1 "data race"
check "  ...said in one line, naming the first" \
	grep -q "2 entries of compile_commands.json assemble ($P/decode_amd64.S and others), not C: not analysed" "$WORK/stderr"
check "  ...never 'analysed in part'" test -z "$(grep -i 'analysed in part' "$WORK/stderr")"

# A source that cannot be read: said so, the others analysed (exit 3).
mkdir -p "$P/dir.c"
db "$(entry race.c)" "$(entry dir.c)"
scan
expect "a directory as a source: exit 3, the others analysed" 3 "dir.c: cannot read the source file: it is a directory"
check "  ...not blamed on the flags" test -z "$(grep -i "flags" "$WORK/stderr" | grep -v 'compile command')"
mkfifo "$P/fifo.c"
db "$(entry race.c)" "$(entry fifo.c)"
scan
expect "a FIFO as a source: exit 3, no hang" 3 "fifo.c: cannot read the source file: it is not a regular file"

finish
