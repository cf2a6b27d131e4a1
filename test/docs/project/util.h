#ifdef __cplusplus
extern "C" {
#endif
int twice(int N);
int greet(int N);
#ifdef __cplusplus
}
#endif
