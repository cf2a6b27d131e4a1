#ifndef SHAPES_H
#define SHAPES_H
#ifdef __cplusplus
extern "C" {
#endif
int square(int x);
int area(int w, int h);
int lookup(int i);
#ifdef __cplusplus
}
#endif
#endif
