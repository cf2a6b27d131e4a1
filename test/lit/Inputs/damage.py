"""damage.py DIR: damages every file under DIR but locks, in turns: one is
cut to half, the next has a bit flipped near its end, the next is emptied."""
import os
import sys

n = 0
for root, dirs, files in os.walk(sys.argv[1]):
    for name in sorted(files):
        if name == "lock":
            continue
        path = os.path.join(root, name)
        with open(path, "rb") as f:
            data = bytearray(f.read())
        if n % 3 == 0:
            data = data[:len(data) // 2]
        elif n % 3 == 1 and data:
            data[-3] ^= 1
        else:
            data = bytearray()
        with open(path, "wb") as f:
            f.write(data)
        n += 1
print("damaged %d files" % n)
