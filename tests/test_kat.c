/* test_kat.c - Random123's known-answer vectors for philox4x32_10 (its kat_vectors file),
 * through the kernel's own generator path (hm_philox in kernels/mcpi.cl, compiled as C), and
 * the table golden.h that `hetmc verify` runs on every device checked against that file. */
#include "check.h"
#include "golden.h"
#include "kernel.h"

#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_kat kat_vectors_philox.txt\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    char line[512];
    int vectors = 0;
    while (fgets(line, sizeof line, f)) {
        char name[32];
        unsigned rounds;
        uint32_t c[4], k[2], want[4], got[4];
        if (line[0] == '#' || sscanf(line, "%31s %u", name, &rounds) != 2)
            continue;
        if (strcmp(name, "philox4x32") != 0 || rounds != 10)
            continue;
        int n = sscanf(line, "%*s %*u %x %x %x %x %x %x %x %x %x %x", &c[0], &c[1], &c[2], &c[3],
                       &k[0], &k[1], &want[0], &want[1], &want[2], &want[3]);
        CHECK(n == 10);
        if (n != 10)
            continue;
        hm_philox4x32(c, k, got);
        CHECK((size_t)vectors < hm_nkats);
        if ((size_t)vectors < hm_nkats) {
            const hm_kat *t = &hm_kats[vectors];
            CHECK(memcmp(t->ctr, c, sizeof c) == 0 && memcmp(t->key, k, sizeof k) == 0 &&
                  memcmp(t->out, want, sizeof want) == 0);
        }
        for (int i = 0; i < 4; i++)
            CHECK_EQ_U64(got[i], want[i], "word %d of vector %d (ctr %08x.. key %08x %08x)", i,
                         vectors, c[0], k[0], k[1]);
        vectors++;
    }
    fclose(f);
    CHECK(vectors == 3); /* the file has three philox4x32 10 vectors; none may be skipped */
    CHECK(hm_nkats == (size_t)vectors); /* and golden.h holds exactly those */
    printf("test_kat: %d philox4x32_10 vectors\n", vectors);
    return check_report("test_kat");
}
