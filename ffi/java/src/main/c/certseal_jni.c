/*
 * The JNI side of the Java binding: a thin shim from cn.certseal.Native to the C ABI of
 * ffi/include/certseal.h, linked statically with libcertseal_ffi.a into libcertseal_jni.so
 * (build-native.sh). It owns no state and makes no decision: it copies Java arrays into native
 * buffers with their lengths, calls one ABI function, copies results back, and frees what it
 * allocated. Texts cross as UTF-8 bytes (Java encodes and decodes them), verdicts as four
 * longs each:
 *
 *   word 0: status (bits 0-7) | stage (8-15) | reason (16-31) | COSE alg (32-63)
 *   word 1: flags              word 2: kid, first byte most significant
 *   word 3: status index
 *
 * A Java exception (OutOfMemoryError from a JNI allocation) leaves the call with
 * CERTSEAL_CODE_RESOURCE and the exception pending, which Java then throws.
 */
#include <jni.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "certseal.h"
#include "cn_certseal_Native.h"

#define HANDLE(h) ((const CertsealVerifier *)(intptr_t)(h))

/* Payloads up to this length are copied to the stack (a certseal payload is ~234 bytes). */
#define STACK_TEXT 1024

static void pack(const CertsealResult *r, jlong *w) {
    uint64_t kid = 0;
    for (int i = 0; i < 8; i++) {
        kid = (kid << 8) | r->kid[i];
    }
    w[0] = (jlong)((uint64_t)r->status | ((uint64_t)r->stage << 8) |
                   ((uint64_t)r->reason << 16) | ((uint64_t)(uint32_t)r->alg << 32));
    w[1] = (jlong)r->flags;
    w[2] = (jlong)kid;
    w[3] = (jlong)r->status_index;
}

/* A new byte[] holding `len` bytes of `s`, or NULL with an exception pending. */
static jbyteArray byte_array(JNIEnv *env, const char *s, size_t len) {
    if (len > INT_MAX) {
        len = INT_MAX;
    }
    jbyteArray a = (*env)->NewByteArray(env, (jsize)len);
    if (a != NULL && len > 0) {
        (*env)->SetByteArrayRegion(env, a, 0, (jsize)len, (const jbyte *)s);
    }
    return a;
}

/* A malloc'd copy of a byte[] (at least one byte allocated); NULL when out of memory. */
static jbyte *copy_bytes(JNIEnv *env, jbyteArray a, jsize *len) {
    *len = a == NULL ? 0 : (*env)->GetArrayLength(env, a);
    jbyte *buf = malloc(*len > 0 ? (size_t)*len : 1);
    if (buf != NULL && *len > 0) {
        (*env)->GetByteArrayRegion(env, a, 0, *len, buf);
    }
    return buf;
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_abiVersion(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return (jint)certseal_abi_version();
}

/* The names are static ASCII strings: modified UTF-8 is UTF-8 for them. */
JNIEXPORT jstring JNICALL Java_cn_certseal_Native_version(JNIEnv *env, jclass cls) {
    (void)cls;
    return (*env)->NewStringUTF(env, certseal_version());
}

JNIEXPORT jstring JNICALL Java_cn_certseal_Native_reasonName(JNIEnv *env, jclass cls, jint r) {
    (void)cls;
    return (*env)->NewStringUTF(env, certseal_reason_name((uint16_t)r));
}

JNIEXPORT jstring JNICALL Java_cn_certseal_Native_stageName(JNIEnv *env, jclass cls, jint s) {
    (void)cls;
    return (*env)->NewStringUTF(env, certseal_stage_name((uint8_t)s));
}

JNIEXPORT jstring JNICALL Java_cn_certseal_Native_codeName(JNIEnv *env, jclass cls, jint c) {
    (void)cls;
    return (*env)->NewStringUTF(env, certseal_code_name(c));
}

JNIEXPORT jlong JNICALL Java_cn_certseal_Native_create(JNIEnv *env, jclass cls,
                                                       jbyteArray list, jbyteArray root,
                                                       jint threads, jintArray code_out,
                                                       jobjectArray message_out) {
    (void)cls;
    jsize list_len, root_len;
    jbyte *list_buf = copy_bytes(env, list, &list_len);
    jbyte *root_buf = copy_bytes(env, root, &root_len);
    CertsealVerifier *v = NULL;
    char *error = NULL;
    jint code = CERTSEAL_CODE_RESOURCE;
    if (list_buf != NULL && root_buf != NULL) {
        code = certseal_verifier_new((const uint8_t *)list_buf, (size_t)list_len,
                                     (const uint8_t *)root_buf, (size_t)root_len,
                                     (uint32_t)threads, &v, &error);
    }
    free(list_buf);
    free(root_buf);
    if (code != CERTSEAL_CODE_OK) {
        (*env)->SetIntArrayRegion(env, code_out, 0, 1, &code);
        const char *m = error != NULL ? error : "out of memory";
        jbyteArray message = byte_array(env, m, strlen(m));
        if (message != NULL) {
            (*env)->SetObjectArrayElement(env, message_out, 0, message);
        }
        certseal_string_free(error);
        return 0;
    }
    return (jlong)(intptr_t)v;
}

JNIEXPORT void JNICALL Java_cn_certseal_Native_free(JNIEnv *env, jclass cls, jlong h) {
    (void)env;
    (void)cls;
    certseal_verifier_free((CertsealVerifier *)(intptr_t)h);
}

JNIEXPORT jbyteArray JNICALL Java_cn_certseal_Native_lastError(JNIEnv *env, jclass cls, jlong h) {
    (void)cls;
    size_t n = certseal_verifier_last_error(HANDLE(h), NULL, 0);
    char *buf = malloc(n + 1);
    if (buf == NULL) {
        return byte_array(env, "out of memory", 13);
    }
    size_t m = certseal_verifier_last_error(HANDLE(h), buf, n + 1);
    jbyteArray a = byte_array(env, buf, m < n ? m : n);
    free(buf);
    return a;
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_setTime(JNIEnv *env, jclass cls, jlong h,
                                                       jlong t) {
    (void)env;
    (void)cls;
    return certseal_verifier_set_time(HANDLE(h), t);
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_useSystemTime(JNIEnv *env, jclass cls, jlong h) {
    (void)env;
    (void)cls;
    return certseal_verifier_use_system_time(HANDLE(h));
}

/* load_status and apply_delta: one document in, a code out. */
static jint document(JNIEnv *env, jlong h, jbyteArray doc,
                     CertsealCode (*call)(const CertsealVerifier *, const uint8_t *, size_t)) {
    jsize len;
    jbyte *buf = copy_bytes(env, doc, &len);
    if (buf == NULL) {
        return CERTSEAL_CODE_RESOURCE;
    }
    jint code = call(HANDLE(h), (const uint8_t *)buf, (size_t)len);
    free(buf);
    return code;
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_loadStatus(JNIEnv *env, jclass cls, jlong h,
                                                          jbyteArray snapshot) {
    (void)cls;
    return document(env, h, snapshot, certseal_verifier_load_status);
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_applyDelta(JNIEnv *env, jclass cls, jlong h,
                                                          jbyteArray delta) {
    (void)cls;
    return document(env, h, delta, certseal_verifier_apply_delta);
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_failWhenStale(JNIEnv *env, jclass cls, jlong h,
                                                             jboolean fail) {
    (void)env;
    (void)cls;
    return certseal_verifier_fail_when_stale(HANDLE(h), fail ? 1u : 0u);
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_statusInfo(JNIEnv *env, jclass cls, jlong h,
                                                          jlongArray out) {
    (void)cls;
    CertsealStatusInfo info;
    jint code = certseal_verifier_status_info(HANDLE(h), &info);
    if (code == CERTSEAL_CODE_OK) {
        jlong w[6] = {info.loaded,    info.fail_when_stale,  (jlong)info.sequence,
                      info.issued_at, info.next_update, (jlong)info.size};
        (*env)->SetLongArrayRegion(env, out, 0, 6, w);
    }
    return code;
}

/* One payload: on the stack when short, else on the heap. */
static jint verify_one(JNIEnv *env, jlong h, jbyteArray text, jlongArray out, char **json,
                       size_t *json_len) {
    jsize len = text == NULL ? 0 : (*env)->GetArrayLength(env, text);
    jbyte stack[STACK_TEXT];
    jbyte *buf = len <= STACK_TEXT ? stack : malloc((size_t)len);
    if (buf == NULL) {
        return CERTSEAL_CODE_RESOURCE;
    }
    if (len > 0) {
        (*env)->GetByteArrayRegion(env, text, 0, len, buf);
    }
    CertsealResult r;
    jint code = json == NULL
                    ? certseal_verify(HANDLE(h), (const uint8_t *)buf, (size_t)len, &r)
                    : certseal_verify_json(HANDLE(h), (const uint8_t *)buf, (size_t)len, &r,
                                           json, json_len);
    if (buf != stack) {
        free(buf);
    }
    if (code == CERTSEAL_CODE_OK) {
        jlong w[4];
        pack(&r, w);
        (*env)->SetLongArrayRegion(env, out, 0, 4, w);
    }
    return code;
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_verify(JNIEnv *env, jclass cls, jlong h,
                                                      jbyteArray text, jlongArray out) {
    (void)cls;
    return verify_one(env, h, text, out, NULL, NULL);
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_verifyJson(JNIEnv *env, jclass cls, jlong h,
                                                          jbyteArray text, jlongArray out,
                                                          jobjectArray json_out) {
    (void)cls;
    char *json = NULL;
    size_t json_len = 0;
    jint code = verify_one(env, h, text, out, &json, &json_len);
    if (code == CERTSEAL_CODE_OK) {
        jbyteArray a = byte_array(env, json, json_len);
        certseal_string_free(json);
        if (a == NULL) {
            return CERTSEAL_CODE_RESOURCE;
        }
        (*env)->SetObjectArrayElement(env, json_out, 0, a);
    }
    return code;
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_verifyBatch(JNIEnv *env, jclass cls, jlong h,
                                                           jbyteArray texts, jintArray ends,
                                                           jlongArray out, jint flags) {
    (void)cls;
    jsize count = (*env)->GetArrayLength(env, ends);
    if (count == 0) {
        return certseal_verify_batch(HANDLE(h), NULL, 0, NULL, (uint32_t)flags, NULL, NULL);
    }
    jsize total;
    jbyte *all = copy_bytes(env, texts, &total);
    jint *end = malloc((size_t)count * sizeof *end);
    CertsealBytes *items = malloc((size_t)count * sizeof *items);
    CertsealResult *results = malloc((size_t)count * sizeof *results);
    jlong *words = malloc((size_t)count * 4 * sizeof *words);
    jint code = CERTSEAL_CODE_RESOURCE;
    if (all == NULL || end == NULL || items == NULL || results == NULL || words == NULL) {
        goto done;
    }
    (*env)->GetIntArrayRegion(env, ends, 0, count, end);
    jint start = 0;
    for (jsize i = 0; i < count; i++) {
        if (end[i] < start || end[i] > total) {
            code = CERTSEAL_CODE_ARGUMENT;
            goto done;
        }
        items[i].ptr = (const uint8_t *)all + start;
        items[i].len = (size_t)(end[i] - start);
        start = end[i];
    }
    code = certseal_verify_batch(HANDLE(h), items, (size_t)count, results, (uint32_t)flags, NULL,
                                 NULL);
    if (code == CERTSEAL_CODE_OK) {
        for (jsize i = 0; i < count; i++) {
            pack(&results[i], words + 4 * (size_t)i);
        }
        (*env)->SetLongArrayRegion(env, out, 0, 4 * count, words);
    }
done:
    free(words);
    free(results);
    free(items);
    free(end);
    free(all);
    return code;
}

JNIEXPORT jint JNICALL Java_cn_certseal_Native_scan(JNIEnv *env, jclass cls, jlong h,
                                                    jbyteArray image, jobjectArray out) {
    (void)cls;
    jsize len;
    jbyte *buf = copy_bytes(env, image, &len);
    if (buf == NULL) {
        return CERTSEAL_CODE_RESOURCE;
    }
    CertsealScan *scan = NULL;
    jint code = certseal_scan(HANDLE(h), (const uint8_t *)buf, (size_t)len, &scan);
    free(buf);
    if (code != CERTSEAL_CODE_OK) {
        return code;
    }
    code = CERTSEAL_CODE_RESOURCE;
    jsize count = scan->count > INT_MAX / 4 ? INT_MAX / 4 : (jsize)scan->count;
    jlongArray words = (*env)->NewLongArray(env, 4 * count);
    jclass byte_array_class = (*env)->FindClass(env, "[B");
    jobjectArray texts = byte_array_class == NULL
                             ? NULL
                             : (*env)->NewObjectArray(env, count, byte_array_class, NULL);
    jbyteArray json = byte_array(env, scan->json, scan->json_len);
    if (words == NULL || texts == NULL || json == NULL) {
        goto done;
    }
    for (jsize i = 0; i < count; i++) {
        const CertsealScanCode *c = &scan->codes[i];
        jlong w[4];
        pack(&c->result, w);
        (*env)->SetLongArrayRegion(env, words, 4 * i, 4, w);
        jbyteArray text = byte_array(env, c->text, c->text_len);
        if (text == NULL) {
            goto done;
        }
        (*env)->SetObjectArrayElement(env, texts, i, text);
        (*env)->DeleteLocalRef(env, text);
    }
    (*env)->SetObjectArrayElement(env, out, 0, words);
    (*env)->SetObjectArrayElement(env, out, 1, texts);
    (*env)->SetObjectArrayElement(env, out, 2, json);
    code = CERTSEAL_CODE_OK;
done:
    certseal_scan_free(scan);
    return code;
}
