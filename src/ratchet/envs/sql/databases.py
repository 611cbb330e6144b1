"""SQLite databases generated from a seed: a shop, a school and a library, with realistic rows.

Each schema is a list of CREATE TABLE statements and a function that fills them from a
`random.Random`; the same (schema, seed) always gives byte-identical contents. A database is
built once in memory and handed out as serialized bytes, so every episode opens its own copy.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

FIRST = (
    "Ana Ben Chloe David Elena Farid Grace Hiro Isabel Jonas Kara Liam Maya Nikolai Olivia Pedro "
    "Quinn Rosa Samir Tara Umar Vera Wei Ximena Yusuf Zoe Amir Bianca Carlos Dana Emil Fatima "
    "Gustav Hana Ivan Julia Kofi Lena Mateo Nora"
).split()
LAST = (
    "Silva Smith Chen Garcia Novak Okafor Rossi Tanaka Kowalski Dubois Jensen Haddad Moreau Patel "
    "Schmidt Ivanova Nakamura Lopez Andersen Kim Mensah Costa Weber Larsen Horvat Sato Fischer "
    "Romero Nguyen Ali"
).split()
CITIES = ("Lisbon Porto Lyon Munich Oslo Krakow Osaka Austin Denver Toronto Nairobi Lima").split()


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


@dataclass(frozen=True)
class Schema:
    name: str
    ddl: tuple[str, ...]
    fill: Callable[[sqlite3.Connection, random.Random], None]


# Shop ------------------------------------------------------------------------------------------
PRODUCTS = {
    "electronics": "headphones speaker charger keyboard monitor webcam router tablet",
    "kitchen": "kettle toaster blender skillet teapot grater whisk colander",
    "garden": "shovel rake hose planter trowel sprinkler wheelbarrow shears",
    "toys": "puzzle kite yo-yo robot blocks marbles frisbee dollhouse",
    "books": "atlas cookbook novel dictionary almanac notebook journal sketchbook",
}
ADJECTIVES = "classic compact deluxe eco smart mini pro sturdy".split()


def fill_shop(db: sqlite3.Connection, rng: random.Random) -> None:
    for i in range(1, 41):
        db.execute("INSERT INTO customers VALUES (?, ?, ?, ?)",
                   (i, person(rng), rng.choice(CITIES[:8]), rng.randint(2018, 2024)))
    product_id = 0
    prices: set[float] = set()
    for category, nouns in PRODUCTS.items():
        for noun in rng.sample(nouns.split(), 5):
            product_id += 1
            price = round(rng.uniform(3, 300), 2)
            while price in prices:  # distinct prices: "the most expensive" has one answer
                price = round(price + 0.01, 2)
            prices.add(price)
            name = f"{rng.choice(ADJECTIVES)} {noun}"
            db.execute("INSERT INTO products VALUES (?, ?, ?, ?)", (product_id, name, category, price))
    for order_id in range(1, 121):
        date = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        status = rng.choices(("shipped", "pending", "cancelled"), (6, 3, 1))[0]
        db.execute("INSERT INTO orders VALUES (?, ?, ?, ?)", (order_id, rng.randint(1, 40), date, status))
        for product in rng.sample(range(1, product_id + 1), rng.randint(1, 3)):
            db.execute("INSERT INTO order_items VALUES (?, ?, ?)", (order_id, product, rng.randint(1, 5)))


SHOP = Schema(
    "shop",
    (
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, city TEXT, signup_year INTEGER)",
        "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, category TEXT, price REAL)",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), "
        "order_date TEXT, status TEXT)",
        "CREATE TABLE order_items (order_id INTEGER REFERENCES orders(id), "
        "product_id INTEGER REFERENCES products(id), quantity INTEGER)",
    ),
    fill_shop,
)


# School ----------------------------------------------------------------------------------------
DEPARTMENTS = {
    "Mathematics": ("Algebra", "Calculus", "Statistics", "Geometry"),
    "Physics": ("Mechanics", "Optics", "Thermodynamics", "Astronomy"),
    "History": ("Ancient Rome", "Medieval Europe", "Modern Asia", "World Wars"),
    "Biology": ("Genetics", "Ecology", "Botany", "Microbiology"),
    "Literature": ("Poetry", "Drama", "Short Stories", "World Novels"),
}


def fill_school(db: sqlite3.Connection, rng: random.Random) -> None:
    teacher_id = course_id = 0
    for department, titles in DEPARTMENTS.items():
        teachers = []
        for _ in range(2):
            teacher_id += 1
            teachers.append(teacher_id)
            db.execute("INSERT INTO teachers VALUES (?, ?, ?)", (teacher_id, person(rng), department))
        for title in titles:
            course_id += 1
            db.execute("INSERT INTO courses VALUES (?, ?, ?, ?, ?)",
                       (course_id, title, department, rng.choice((3, 4, 5, 6)), rng.choice(teachers)))
    for student_id in range(1, 51):
        db.execute("INSERT INTO students VALUES (?, ?, ?, ?)",
                   (student_id, person(rng), rng.randint(1, 4), rng.choice(CITIES)))
        for course in rng.sample(range(1, course_id + 1), rng.randint(2, 5)):
            db.execute("INSERT INTO enrollments VALUES (?, ?, ?)", (student_id, course, rng.randint(40, 100)))


SCHOOL = Schema(
    "school",
    (
        "CREATE TABLE teachers (id INTEGER PRIMARY KEY, name TEXT, department TEXT)",
        "CREATE TABLE courses (id INTEGER PRIMARY KEY, title TEXT, department TEXT, credits INTEGER, "
        "teacher_id INTEGER REFERENCES teachers(id))",
        "CREATE TABLE students (id INTEGER PRIMARY KEY, name TEXT, year INTEGER, city TEXT)",
        "CREATE TABLE enrollments (student_id INTEGER REFERENCES students(id), "
        "course_id INTEGER REFERENCES courses(id), grade INTEGER)",
    ),
    fill_school,
)


# Library ---------------------------------------------------------------------------------------
COUNTRIES = "Brazil Canada France Japan Kenya Nigeria Norway Poland Spain India".split()
GENRES = "mystery fantasy history science poetry romance".split()
TITLE_ADJ = "Silent Hidden Broken Golden Last Northern Endless Forgotten Crimson Quiet".split()
TITLE_NOUN = "River Garden Empire Lantern Voyage Orchard Tide Archive Mountain Harbor".split()


def fill_library(db: sqlite3.Connection, rng: random.Random) -> None:
    for author_id in range(1, 16):
        db.execute("INSERT INTO authors VALUES (?, ?, ?, ?)",
                   (author_id, person(rng), rng.choice(COUNTRIES), rng.randint(1930, 1995)))
    titles = rng.sample([f"The {a} {n}" for a in TITLE_ADJ for n in TITLE_NOUN], 45)
    for book_id, title in enumerate(titles, start=1):
        db.execute("INSERT INTO books VALUES (?, ?, ?, ?, ?, ?)",
                   (book_id, title, rng.randint(1, 15), rng.choice(GENRES), rng.randint(1960, 2023),
                    rng.randint(120, 900)))
    for member_id in range(1, 31):
        db.execute("INSERT INTO members VALUES (?, ?, ?, ?)",
                   (member_id, person(rng), rng.choice(CITIES[:6]), rng.randint(2015, 2024)))
    for loan_id in range(1, 101):
        date = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        db.execute("INSERT INTO loans VALUES (?, ?, ?, ?, ?)",
                   (loan_id, rng.randint(1, 45), rng.randint(1, 30), date, int(rng.random() < 0.7)))


LIBRARY = Schema(
    "library",
    (
        "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT, country TEXT, birth_year INTEGER)",
        "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id), "
        "genre TEXT, year INTEGER, pages INTEGER)",
        "CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT, city TEXT, joined_year INTEGER)",
        "CREATE TABLE loans (id INTEGER PRIMARY KEY, book_id INTEGER REFERENCES books(id), "
        "member_id INTEGER REFERENCES members(id), loan_date TEXT, returned INTEGER)",
    ),
    fill_library,
)

SCHEMAS: dict[str, Schema] = {schema.name: schema for schema in (SHOP, SCHOOL, LIBRARY)}


@cache
def database_bytes(schema: str, seed: int) -> bytes:
    """The serialized database of `schema` generated from `seed` (memoised per process)."""
    spec = SCHEMAS[schema]
    db = sqlite3.connect(":memory:")
    try:
        for statement in spec.ddl:
            db.execute(statement)
        spec.fill(db, random.Random(f"{schema}/{seed}"))
        db.commit()
        return db.serialize()
    finally:
        db.close()


def open_database(schema: str, seed: int) -> sqlite3.Connection:
    """A private in-memory copy of a generated database (callers make it read-only)."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.deserialize(database_bytes(schema, seed))
    return db


def schema_text(schema: str) -> str:
    """The CREATE TABLE statements an agent is shown."""
    return ";\n".join(SCHEMAS[schema].ddl) + ";"
