/* sohoactl result add: a dossier's result (kết quả giải quyết), digitized by
 * a batch, under a digitization code no other document has, and filed in
 * the owner's store so that a later dossier can reuse it instead of
 * scanning it again. A result is a component with is_result set; the
 * monthly report counts a resolved dossier's result as digitized once one
 * such component has a stored page. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "component.h"

#define RESULT_TYPE_DEFAULT "Kết quả giải quyết"

static int result_usage(FILE *f, int status)
{
        fprintf(f,
                "Usage: sohoactl result add DOSSIER --batch UUID --code CODE [--pages A-B] [OPTIONS]\n"
                "Link a dossier's digitized result with its digitization code, and file it in the owner's\n"
                "store. --type-name defaults to \"" RESULT_TYPE_DEFAULT "\".\n\n");
        component_options_usage(f);
        return status;
}

int result_main(int argc, char **argv)
{
        static const struct option opts[] = {
                COMPONENT_OPTIONS,
                { "help", no_argument, NULL, 'h' },
                {},
        };
        ComponentArgs a = {};
        bool bad = false;
        int c;

        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
                return result_usage(stdout, EXIT_SUCCESS);
        if (argc < 2 || strcmp(argv[1], "add") != 0)
                return result_usage(stderr, EXIT_FAILURE);
        argc--, argv++;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                if (component_option("result add", c, optarg, &a, &bad))
                        continue;
                if (c == 'h')
                        return result_usage(stdout, EXIT_SUCCESS);
                return result_usage(stderr, EXIT_FAILURE);
        }
        if (bad || component_args_check("result add", &a) < 0)
                return EXIT_FAILURE;
        if (optind + 1 != argc || !a.batch || !a.code) {
                fprintf(stderr, "sohoactl result add: a DOSSIER, its --batch and the --code are needed\n");
                return EXIT_FAILURE;
        }
        if (!a.meta.type_name)
                a.meta.type_name = RESULT_TYPE_DEFAULT;
        return component_add(&a, "result add", argv[optind], true) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
