/* cmd_devices.c - `hetmc devices`: every OpenCL platform and device, one index across them. */
#include "cli.h"

#include <string.h>

#if HETMC_HAVE_OPENCL
#include "opencl_util.h"
#include <stdlib.h>
#endif

int hm_cmd_devices(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: hetmc devices\n  Lists every OpenCL device through the ICD loader; the "
               "index is what --device takes.\n");
        return HM_EXIT_OK;
    }
    if (argc > 1)
        return hm_usage_error("devices", "unexpected argument '%s'; accepted: --help", argv[1]);
#if HETMC_HAVE_OPENCL
    hm_error err = {0};
    hm_cl_device *d = NULL;
    int n = hm_cl_devices(&d, &err);
    if (n < 0) {
        printf("no OpenCL device: %s\n", err.msg);
        return HM_EXIT_OK;
    }
    for (int i = 0; i < n; i++) {
        printf("%d: %s\n", i, d[i].name);
        printf("   type %s, vendor %s, platform %s\n", d[i].type, d[i].vendor,
               d[i].platform_name);
        printf("   driver %s, %s, %s\n", d[i].driver, d[i].version, d[i].c_version);
        printf("   compute units %u, max work-group size %zu, 64-bit atomics %s\n",
               d[i].compute_units, d[i].max_work_group, d[i].int64_atomics ? "yes" : "no");
    }
    free(d);
#else
    printf("no OpenCL device: this binary was built without OpenCL (HETMC_OPENCL=OFF or OpenCL "
           "not found)\n");
#endif
    return HM_EXIT_OK;
}
