/*
 * Verifies certseal QR payloads through the C ABI (ffi/include/certseal.h), linked against the
 * static library, and prints one verdict per payload.
 *
 *   verify TRUST_LIST ROOT_CERT PAYLOADS [--at UNIX_SECONDS] [--status SNAPSHOT [--delta DELTA]]
 *          [--threads N] [--json]
 *
 * PAYLOADS holds one payload per line; a line "identifier<TAB>payload" (as `certseal demo`
 * writes issued/qr.txt) counts for its payload. Exit status: 0 every payload valid, 1 some
 * payload not valid, 2 usage or input error.
 *
 * Build (see .ci/run):
 *   cargo build --release -p certseal-ffi
 *   cc -std=c11 -Wall -Wextra -Werror -pedantic -I ffi/include examples/c/verify.c \
 *      target/release/libcertseal_ffi.a -lpthread -ldl -lm -o verify
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certseal.h"

/* Reads a whole file; the caller frees *data. Returns 0 on success. */
static int read_file(const char *path, uint8_t **data, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) {
            break;
        }
        uint8_t *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int failed = buf == NULL || ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "%s: read failed\n", path);
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

/* Prints the handle's last error after a failed call; returns 2. */
static int fail(const CertsealVerifier *v, const char *what, CertsealCode code) {
    char message[512];
    certseal_verifier_last_error(v, message, sizeof message);
    fprintf(stderr, "%s: %s: %s\n", what, certseal_code_name(code), message);
    return 2;
}

static void print_result(size_t n, const CertsealResult *r) {
    if (r->status == CERTSEAL_STATUS_VALID) {
        printf("%4zu  valid    alg %d  kid ", n, (int)r->alg);
        for (int i = 0; i < 8; i++) {
            printf("%02x", r->kid[i]);
        }
        if (r->flags & CERTSEAL_FLAG_HAS_STATUS_INDEX) {
            printf("  index %llu", (unsigned long long)r->status_index);
        }
        if (r->flags & CERTSEAL_FLAG_STATUS_STALE) {
            printf("  (status list stale)");
        }
        printf("\n");
    } else {
        printf("%4zu  invalid  %s (stage %s)\n", n, certseal_reason_name(r->reason),
               certseal_stage_name(r->stage));
    }
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr,
                "usage: %s TRUST_LIST ROOT_CERT PAYLOADS [--at UNIX_SECONDS] "
                "[--status SNAPSHOT [--delta DELTA]] [--threads N] [--json]\n",
                argv[0]);
        return 2;
    }
    const char *status_path = NULL, *delta_path = NULL;
    long long at = 0;
    int fixed_time = 0, json = 0;
    unsigned threads = 0;
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
            at = strtoll(argv[++i], NULL, 10);
            fixed_time = 1;
        } else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc) {
            status_path = argv[++i];
        } else if (strcmp(argv[i], "--delta") == 0 && i + 1 < argc) {
            delta_path = argv[++i];
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            threads = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            fprintf(stderr, "unknown argument: %s\n", argv[i]);
            return 2;
        }
    }
    if (certseal_abi_version() != CERTSEAL_ABI_VERSION) {
        fprintf(stderr, "library ABI %u, header ABI %u\n", certseal_abi_version(),
                CERTSEAL_ABI_VERSION);
        return 2;
    }

    CertsealVerifier *v = NULL;
    char *error = NULL;
    CertsealCode code = certseal_verifier_new_from_files(
        (const uint8_t *)argv[1], strlen(argv[1]), (const uint8_t *)argv[2], strlen(argv[2]),
        threads, &v, &error);
    if (code != CERTSEAL_CODE_OK) {
        fprintf(stderr, "certseal %s: %s: %s\n", certseal_version(), certseal_code_name(code),
                error != NULL ? error : "");
        certseal_string_free(error);
        return 2;
    }
    int status = 0;
    uint8_t *text = NULL;
    size_t text_len = 0;
    CertsealBytes *items = NULL;
    CertsealResult *results = NULL;

    if (fixed_time && (code = certseal_verifier_set_time(v, at)) != CERTSEAL_CODE_OK) {
        status = fail(v, "time", code);
        goto done;
    }
    const char *documents[2] = {status_path, delta_path};
    for (int d = 0; d < 2; d++) {
        uint8_t *doc = NULL;
        size_t doc_len = 0;
        if (documents[d] == NULL) {
            continue;
        }
        if (read_file(documents[d], &doc, &doc_len) != 0) {
            status = 2;
            goto done;
        }
        code = d == 0 ? certseal_verifier_load_status(v, doc, doc_len)
                      : certseal_verifier_apply_delta(v, doc, doc_len);
        free(doc);
        if (code != CERTSEAL_CODE_OK) {
            status = fail(v, documents[d], code);
            goto done;
        }
    }
    CertsealStatusInfo info;
    if ((code = certseal_verifier_status_info(v, &info)) != CERTSEAL_CODE_OK) {
        status = fail(v, "status", code);
        goto done;
    }
    if (info.loaded) {
        printf("status list: sequence %llu, %llu indices, next update %lld\n",
               (unsigned long long)info.sequence, (unsigned long long)info.size,
               (long long)info.next_update);
    }

    /* One payload per line; the text after the last tab of a line. */
    if (read_file(argv[3], &text, &text_len) != 0) {
        status = 2;
        goto done;
    }
    size_t count = 0, cap = 64;
    items = malloc(cap * sizeof *items);
    for (size_t start = 0; items != NULL && start < text_len;) {
        size_t end = start;
        while (end < text_len && text[end] != '\n') {
            end++;
        }
        size_t line_end = end > start && text[end - 1] == '\r' ? end - 1 : end;
        size_t from = start;
        for (size_t i = start; i < line_end; i++) {
            if (text[i] == '\t') {
                from = i + 1;
            }
        }
        if (line_end > from) {
            if (count == cap) {
                CertsealBytes *bigger = realloc(items, 2 * cap * sizeof *items);
                if (bigger == NULL) {
                    free(items);
                    items = NULL;
                    break;
                }
                items = bigger;
                cap *= 2;
            }
            items[count].ptr = text + from;
            items[count].len = line_end - from;
            count++;
        }
        start = end + 1;
    }
    results = malloc((count > 0 ? count : 1) * sizeof *results);
    if (items == NULL || results == NULL) {
        fprintf(stderr, "out of memory\n");
        status = 2;
        goto done;
    }

    /* The batch call: the engine's bulk path on the handle's workers. */
    char *lines = NULL;
    size_t lines_len = 0;
    code = certseal_verify_batch(v, items, count, results, 0, json ? &lines : NULL, &lines_len);
    if (code != CERTSEAL_CODE_OK) {
        status = fail(v, "verify", code);
        goto done;
    }
    size_t valid = 0;
    for (size_t i = 0; i < count; i++) {
        print_result(i + 1, &results[i]);
        valid += results[i].status == CERTSEAL_STATUS_VALID;
    }
    if (json) {
        fwrite(lines, 1, lines_len, stdout);
        certseal_string_free(lines);
    }
    /* The same first payload through the single call, as JSON. */
    if (count > 0) {
        CertsealResult one;
        char *view = NULL;
        code = certseal_verify_json(v, items[0].ptr, items[0].len, &one, &view, NULL);
        if (code != CERTSEAL_CODE_OK) {
            status = fail(v, "verify_json", code);
            goto done;
        }
        if (memcmp(&one, &results[0], sizeof one) != 0) {
            fprintf(stderr, "single and batch verdicts differ\n");
            status = 2;
        }
        printf("first payload: %s\n", view);
        certseal_string_free(view);
    }
    printf("%zu of %zu valid (certseal %s, ABI %u)\n", valid, count, certseal_version(),
           certseal_abi_version());
    if (status == 0 && valid != count) {
        status = 1;
    }

done:
    free(results);
    free(items);
    free(text);
    certseal_verifier_free(v);
    return status;
}
