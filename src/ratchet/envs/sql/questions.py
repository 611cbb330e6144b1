"""Questions with gold queries over the generated databases.

A template pairs a question with its gold SQL and a sampler that draws parameter values from the
database itself, so every question is answerable and its gold result is non-empty. Questions
whose answer would be ambiguous ("the longest book" with a tie) are not generated.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ratchet.envs.sql.databases import open_database

Params = dict[str, object]
Sampler = Callable[[sqlite3.Connection, random.Random], Params | None]
MONTHS = "January February March April May June July August September October November December".split()


@dataclass(frozen=True)
class Template:
    id: str
    schema: str
    question: str
    gold: str
    sample: Sampler = lambda db, rng: {}  # noqa: E731 - no parameters
    level: int = 1  # 1: one table, 2: aggregation or sorting, 3: joins


@dataclass(frozen=True)
class Question:
    id: str
    schema: str
    seed: int
    question: str
    gold: str
    level: int

    @property
    def ordered(self) -> bool:
        """Whether row order matters: only when the gold query sorts."""
        return "ORDER BY" in self.gold.upper()


def values(db: sqlite3.Connection, sql: str) -> list:
    return [row[0] for row in db.execute(sql)]


def pick(sql: str, name: str) -> Sampler:
    """A sampler drawing `name` from the distinct values `sql` returns."""
    return lambda db, rng: {name: rng.choice(values(db, sql))}


def choose(name: str, options: tuple) -> Sampler:
    return lambda db, rng: {name: rng.choice(options)}


def unique_top(sql: str, name: str, source: str) -> Sampler:
    """Draw `name` from `source`, keeping only values whose top-2 rows under `sql` differ."""
    def sample(db: sqlite3.Connection, rng: random.Random) -> Params | None:
        value = rng.choice(values(db, source))
        rows = db.execute(sql, (value,)).fetchall()
        return {name: value} if len(rows) == 1 or (len(rows) > 1 and rows[0] != rows[1]) else None
    return sample


def month(db: sqlite3.Connection, rng: random.Random) -> Params:
    number = rng.randint(1, 12)
    return {"month": MONTHS[number - 1], "mm": f"{number:02d}"}


SHOP = [
    Template("count-city", "shop", "How many customers live in {city}?",
             "SELECT COUNT(*) FROM customers WHERE city = '{city}'",
             pick("SELECT DISTINCT city FROM customers ORDER BY 1", "city")),
    Template("products-category", "shop", "List the names of all products in the '{category}' category.",
             "SELECT name FROM products WHERE category = '{category}'",
             pick("SELECT DISTINCT category FROM products ORDER BY 1", "category")),
    Template("avg-price", "shop", "What is the average price of the products in the '{category}' category?",
             "SELECT AVG(price) FROM products WHERE category = '{category}'",
             pick("SELECT DISTINCT category FROM products ORDER BY 1", "category"), 2),
    Template("price-above", "shop", "Which products cost more than {price} dollars? Give their names.",
             "SELECT name FROM products WHERE price > {price}", choose("price", (50, 100, 150, 200, 250))),
    Template("orders-status", "shop", "How many orders have the status '{status}'?",
             "SELECT COUNT(*) FROM orders WHERE status = '{status}'",
             choose("status", ("shipped", "pending", "cancelled"))),
    Template("customers-status", "shop",
             "List the distinct names of the customers who have an order with the status '{status}'.",
             "SELECT DISTINCT c.name FROM customers c JOIN orders o ON o.customer_id = c.id "
             "WHERE o.status = '{status}'", choose("status", ("pending", "cancelled")), 3),
    Template("most-expensive", "shop",
             "What is the most expensive product in the '{category}' category? Give its name and price.",
             "SELECT name, price FROM products WHERE category = '{category}' ORDER BY price DESC LIMIT 1",
             pick("SELECT DISTINCT category FROM products ORDER BY 1", "category"), 2),
    Template("per-category", "shop",
             "For each product category, how many products are there? Give the category and the count.",
             "SELECT category, COUNT(*) FROM products GROUP BY category", level=2),
    Template("quantity-product", "shop", "What is the total quantity ordered of the product '{product}'?",
             "SELECT SUM(oi.quantity) FROM order_items oi JOIN products p ON p.id = oi.product_id "
             "WHERE p.name = '{product}'",
             pick("SELECT DISTINCT p.name FROM products p JOIN order_items oi ON oi.product_id = p.id "
                  "ORDER BY 1", "product"), 3),
    Template("signup-sorted", "shop",
             "List the names of the customers who signed up in {year}, in alphabetical order.",
             "SELECT name FROM customers WHERE signup_year = {year} ORDER BY name",
             pick("SELECT DISTINCT signup_year FROM customers ORDER BY 1", "year"), 2),
    Template("orders-month", "shop", "How many orders were placed in {month} 2024?",
             "SELECT COUNT(*) FROM orders WHERE order_date LIKE '2024-{mm}-%'", month, 2),
    Template("revenue-status", "shop",
             "What is the total revenue (the sum of price times quantity) of all orders with the status "
             "'{status}'?",
             "SELECT SUM(p.price * oi.quantity) FROM orders o JOIN order_items oi ON oi.order_id = o.id "
             "JOIN products p ON p.id = oi.product_id WHERE o.status = '{status}'",
             choose("status", ("shipped", "pending", "cancelled")), 3),
]

SCHOOL = [
    Template("students-city", "school", "How many students come from {city}?",
             "SELECT COUNT(*) FROM students WHERE city = '{city}'",
             pick("SELECT DISTINCT city FROM students ORDER BY 1", "city")),
    Template("courses-department", "school",
             "List the titles of the courses offered by the {department} department.",
             "SELECT title FROM courses WHERE department = '{department}'",
             pick("SELECT DISTINCT department FROM courses ORDER BY 1", "department")),
    Template("teachers-department", "school",
             "Which teachers work in the {department} department? Give their names.",
             "SELECT name FROM teachers WHERE department = '{department}'",
             pick("SELECT DISTINCT department FROM teachers ORDER BY 1", "department")),
    Template("avg-grade-course", "school", "What is the average grade in the course '{title}'?",
             "SELECT AVG(e.grade) FROM enrollments e JOIN courses c ON c.id = e.course_id "
             "WHERE c.title = '{title}'",
             pick("SELECT DISTINCT c.title FROM courses c JOIN enrollments e ON e.course_id = c.id "
                  "ORDER BY 1", "title"), 3),
    Template("students-in-course", "school", "List the names of the students enrolled in '{title}'.",
             "SELECT s.name FROM students s JOIN enrollments e ON e.student_id = s.id "
             "JOIN courses c ON c.id = e.course_id WHERE c.title = '{title}'",
             pick("SELECT DISTINCT c.title FROM courses c JOIN enrollments e ON e.course_id = c.id "
                  "ORDER BY 1", "title"), 3),
    Template("credits-at-least", "school",
             "Which courses are worth at least {credits} credits? Give their titles.",
             "SELECT title FROM courses WHERE credits >= {credits}", choose("credits", (4, 5, 6))),
    Template("year-count", "school", "How many students are in year {year}?",
             "SELECT COUNT(*) FROM students WHERE year = {year}", choose("year", (1, 2, 3, 4))),
    Template("top-grade-course", "school",
             "Which student has the highest grade in '{title}'? Give the student's name and the grade.",
             "SELECT s.name, e.grade FROM students s JOIN enrollments e ON e.student_id = s.id "
             "JOIN courses c ON c.id = e.course_id WHERE c.title = '{title}' ORDER BY e.grade DESC LIMIT 1",
             unique_top("SELECT e.grade FROM enrollments e JOIN courses c ON c.id = e.course_id "
                        "WHERE c.title = ? ORDER BY e.grade DESC LIMIT 2", "title",
                        "SELECT DISTINCT title FROM courses ORDER BY 1"), 3),
    Template("teacher-courses", "school", "Which courses does {teacher} teach? Give their titles.",
             "SELECT c.title FROM courses c JOIN teachers t ON t.id = c.teacher_id WHERE t.name = '{teacher}'",
             pick("SELECT DISTINCT t.name FROM teachers t JOIN courses c ON c.teacher_id = t.id ORDER BY 1",
                  "teacher"), 3),
    Template("per-department", "school",
             "For each department, how many courses does it offer? Give the department and the count.",
             "SELECT department, COUNT(*) FROM courses GROUP BY department", level=2),
    Template("grades-at-least", "school", "How many enrollments have a grade of {grade} or more?",
             "SELECT COUNT(*) FROM enrollments WHERE grade >= {grade}", choose("grade", (60, 70, 80, 90))),
    Template("city-year-sorted", "school",
             "List the names of the students from {city}, sorted alphabetically.",
             "SELECT name FROM students WHERE city = '{city}' ORDER BY name",
             pick("SELECT DISTINCT city FROM students ORDER BY 1", "city"), 2),
]

LIBRARY = [
    Template("books-genre", "library", "List the titles of all {genre} books.",
             "SELECT title FROM books WHERE genre = '{genre}'",
             pick("SELECT DISTINCT genre FROM books ORDER BY 1", "genre")),
    Template("authors-country", "library", "How many authors are from {country}?",
             "SELECT COUNT(*) FROM authors WHERE country = '{country}'",
             pick("SELECT DISTINCT country FROM authors ORDER BY 1", "country")),
    Template("books-by-author", "library", "What are the titles of the books written by {author}?",
             "SELECT b.title FROM books b JOIN authors a ON a.id = b.author_id WHERE a.name = '{author}'",
             pick("SELECT DISTINCT a.name FROM authors a JOIN books b ON b.author_id = a.id ORDER BY 1",
                  "author"), 3),
    Template("books-after", "library", "Which books were published after {year}? Give their titles.",
             "SELECT title FROM books WHERE year > {year}", choose("year", (2000, 2010, 2015, 2020))),
    Template("avg-pages-genre", "library", "What is the average number of pages of {genre} books?",
             "SELECT AVG(pages) FROM books WHERE genre = '{genre}'",
             pick("SELECT DISTINCT genre FROM books ORDER BY 1", "genre"), 2),
    Template("not-returned", "library", "How many loans have not been returned yet?",
             "SELECT COUNT(*) FROM loans WHERE returned = 0", level=2),
    Template("member-loans", "library", "How many loans has the member {member} made?",
             "SELECT COUNT(*) FROM loans l JOIN members m ON m.id = l.member_id WHERE m.name = '{member}'",
             pick("SELECT DISTINCT m.name FROM members m JOIN loans l ON l.member_id = m.id ORDER BY 1",
                  "member"), 3),
    Template("longest-genre", "library",
             "What is the longest {genre} book? Give its title and its number of pages.",
             "SELECT title, pages FROM books WHERE genre = '{genre}' ORDER BY pages DESC LIMIT 1",
             unique_top("SELECT pages FROM books WHERE genre = ? ORDER BY pages DESC LIMIT 2", "genre",
                        "SELECT DISTINCT genre FROM books ORDER BY 1"), 2),
    Template("per-genre", "library",
             "For each genre, how many books does the library hold? Give the genre and the count.",
             "SELECT genre, COUNT(*) FROM books GROUP BY genre", level=2),
    Template("members-city-sorted", "library",
             "List the names of the members from {city}, sorted alphabetically.",
             "SELECT name FROM members WHERE city = '{city}' ORDER BY name",
             pick("SELECT DISTINCT city FROM members ORDER BY 1", "city"), 2),
    Template("authors-born-before", "library", "Which authors were born before {year}? Give their names.",
             "SELECT name FROM authors WHERE birth_year < {year}", choose("year", (1950, 1960, 1970))),
    Template("borrowers-of-book", "library", "List the distinct names of the members who borrowed '{title}'.",
             "SELECT DISTINCT m.name FROM members m JOIN loans l ON l.member_id = m.id "
             "JOIN books b ON b.id = l.book_id WHERE b.title = '{title}'",
             pick("SELECT DISTINCT b.title FROM books b JOIN loans l ON l.book_id = b.id ORDER BY 1",
                  "title"), 3),
]

TEMPLATES: dict[str, list[Template]] = {"shop": SHOP, "school": SCHOOL, "library": LIBRARY}


def generate_questions(seeds: tuple[int, ...] = (0, 1), per_template: int = 3) -> list[Question]:
    """Up to `per_template` distinct questions per template and database, deterministically."""
    questions = []
    for schema, templates in TEMPLATES.items():
        for seed in seeds:
            db = open_database(schema, seed)
            try:
                for template in templates:
                    questions.extend(_instances(db, template, seed, per_template))
            finally:
                db.close()
    return questions


def _instances(db: sqlite3.Connection, template: Template, seed: int, wanted: int) -> list[Question]:
    rng = random.Random(f"{template.schema}/{seed}/{template.id}")
    found: dict[str, Question] = {}
    for _ in range(wanted * 10):
        params = template.sample(db, rng)
        if params is None:
            continue
        gold = template.gold.format(**params)
        if not db.execute(gold).fetchall() or gold in found:
            continue
        number = len(found)
        found[gold] = Question(f"{template.schema}{seed}-{template.id}-{number}", template.schema, seed,
                               template.question.format(**params), gold, template.level)
        if len(found) == wanted or not params:
            break
    return list(found.values())
