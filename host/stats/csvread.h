/*
 * csvread.h - an RFC 4180 reader for the files hetmc writes: quoted fields, doubled quotes,
 * commas and line breaks inside quotes, CRLF or LF, a UTF-8 byte order mark. A last line
 * without its line break (a run killed while writing, a quote never closed) is dropped, so a
 * reader only ever sees complete rows, and noted in torn_line: `hetmc compare` refuses such a
 * file, the matrix reads its own runs.csv past it. Refused with a reason naming the line: a NUL
 * byte, a row whose number of fields differs from the header's (a blank line is not a row).
 * Messages do not name the file: the caller does.
 */
#ifndef HETMC_CSVREAD_H
#define HETMC_CSVREAD_H

#include <stddef.h>

typedef struct hm_csv {
    size_t nrows, ncols;  /* rows after the header; columns of the header */
    char **header;        /* ncols names */
    char ***rows;         /* nrows rows of ncols fields (a blank line's are "") */
    char *buf;            /* storage of every field */
    size_t torn_line;     /* the line of a last row dropped for want of its line break; 0 */
    const char *torn_why; /* why it was dropped */
} hm_csv;

/* Reads path. Returns 0, or -1 with a one-line reason in msg. */
int hm_csv_read(const char *path, hm_csv *csv, char *msg, size_t msglen);
/* Parses len bytes of CSV text (a header line, then rows), as hm_csv_read does a file.
 * Returns 0, or -1 with a one-line reason in msg. */
int hm_csv_parse(const char *text, size_t len, hm_csv *csv, char *msg, size_t msglen);
/* Index of the column named name, or -1. */
int hm_csv_col(const hm_csv *csv, const char *name);
void hm_csv_free(hm_csv *csv);

#endif /* HETMC_CSVREAD_H */
