#!/bin/bash
# Writes the seed corpora of the text fuzzers (manifest, json, keys): valid
# inputs as the documentation gives them, and the edges around each rule.
# Run once by hand from the source root; its output is committed:
#   tests/fuzz/fuzz-text-corpus-gen.sh tests/fuzz
set -euo pipefail
top=${1:?usage: $0 FUZZ_DIR}

seed() { # CORPUS NAME PRINTF-FORMAT [ARGS]
        local corpus=$1 name=$2
        shift 2
        mkdir -p "$top/corpus-$corpus"
        # shellcheck disable=SC2059
        printf "$@" >"$top/corpus-$corpus/$name"
}

D=000.00.53.H48-240101-0001
seed manifest header-rows 'path,dossier_code,component\nscans/a.tif,%s,ho-so\nscans/b.pdf,%s,ho-so\n' $D $D
seed manifest quoted '"scans/with, comma.tif",%s,"thanh ""phan"" 1"\n' $D
seed manifest comments-crlf '# a comment\r\n\r\n   a.png  ,  ,  \r\n  # indented comment\r\n'
seed manifest paths-only 'a.tif\nfolder/\n/abs/c.pdf\n'
seed manifest no-dossier-component 'a.tif,,scans\nb.tif,,scans\n'
seed manifest bad-dossier 'a.tif,000.00.53.H48-241301-0001\n'
seed manifest bad-quote '"a.tif,000\n'
seed manifest too-many-fields 'a,b,c,d\n'
seed manifest quote-then-text '"a.tif"x,b\n'
seed manifest utf8 'hồ sơ/trang 1.tif,%s,Quyết định\n' $D
seed manifest nul-byte 'a.tif\0,%s\n' $D
seed manifest no-final-newline 'path\na.tif,%s' $D

seed json export-manifest '{\n  "format": "sohoa-export-1",\n  "pdf_sha256": "%s",\n  "pdf_bytes": 12345,\n  "page_count": 2,\n  "pages": [\n    {"page_uuid": "0b7f7d6e-1c2a-4f7e-9a51-3b0c4d5e6f70", "capture_sha256": "ab", "pdf_page_sha256": "cd"},\n    {"page_uuid": "1c8f8e7f-2d3b-4a8f-8b62-4c1d5e6f7081", "capture_sha256": "ef", "pdf_page_sha256": "01"}\n  ]\n}\n' \
        e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
seed json escapes '["\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/\\b\\f\\r", "h\\u1ed3 s\\u01a1", "raw é"]'
seed json numbers '[0,-1,1.5e10,-0.0,1E-7,123456789012345678901234567890,9007199254740993]'
seed json literals '[true,false,null,{}, [], ""]'
seed json nested '[[[[{"a":[{"b":{"c":null}}]}]]]]'
seed json deep "$(printf '%.0s[' {1..70})1$(printf '%.0s]' {1..70})"
seed json trailing-comma '{"a":1,}'
seed json missing-comma '[1 2]'
seed json lone-surrogate '"\\ud800"'
seed json unterminated '"abc'
seed json control-char '"a\tb"'
seed json blank ' \n\t\r '
seed json nul-escape '{"page_uuid":"a\\u0000b"}'

K1='Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID'
K2='rq:rM>}U?@Lns47E1%%kR.o@n%%FcmmsL/@{H8]yf7'
K3='JTKVSB%%%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6'
K4='D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%%wOTJ%%JR%%cs'
seed keys all-roles "# sohoa authorized keys\nstation desk1 $K1\nimporter back-office $K2\nadmin ops $K3\nworker worker-1 $K4\n"
seed keys tabs-crlf-trailing "\tstation\tdesk1\t$K1\t# desk one\r\n\r\n   # indented comment\n"
seed keys same-key-twice "station desk1 $K1\nworker w1 $K1\n"
seed keys bad-role "scanner desk1 $K1\n"
seed keys short-key "station desk1 ${K1:0:39}\n"
seed keys not-z85 "station desk1 ${K1:0:39}~\n"
seed keys two-words "station desk1\n"
seed keys long-name "station desk1-with-a-name-far-too-long-for-the-table-of-keys-abcdefghijk $K1\n"
seed keys name-runs-into-key "station desk1-with-a-name-far-too-long-for-the-table-of-keys-abcdefghij$K1\n"
seed keys nul-byte "station desk1 $K1\0 worker\n"
