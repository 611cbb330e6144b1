"""A commonsense recipe book in the style of Little Alchemy (which Wordcraft draws on), written for
Ratchet: two items combine into a third when everyday knowledge says they should. The agent never
sees this book; it must guess which combinations work, as in Wordcraft.
"""

from __future__ import annotations

RECIPES_TEXT = """
water + fire = steam
earth + water = mud
fire + earth = lava
air + water = rain
air + fire = energy
earth + air = dust
air + air = wind
water + water = puddle
puddle + water = pond
pond + water = lake
lake + water = sea
lava + water = stone
stone + fire = metal
stone + stone = gravel
stone + air = sand
stone + earth = mountain
mud + fire = brick
mud + sand = clay
clay + fire = pot
brick + brick = wall
wall + wall = house
house + house = village
village + village = city
sand + fire = glass
glass + wall = window
steam + air = cloud
cloud + air = sky
sky + fire = sun
sun + rain = rainbow
cloud + energy = storm
storm + energy = lightning
earth + rain = plant
plant + earth = field
field + plant = wheat
wheat + stone = flour
flour + water = dough
dough + fire = bread
plant + sun = flower
plant + water = tree
tree + tree = forest
tree + sun = fruit
fruit + water = juice
fruit + sugar = jam
plant + fire = ash
plant + stone = moss
plant + mud = swamp
plant + steam = tea
metal + stone = blade
blade + tree = wood
wood + fire = charcoal
charcoal + water = ink
wood + water = boat
boat + wind = sailboat
wood + metal = tool
wood + blade = arrow
metal + water = rust
metal + charcoal = steel
steel + blade = sword
metal + steam = engine
metal + energy = electricity
electricity + glass = light bulb
light bulb + metal = lamp
wood + stone = axe
paper + ink = book
wood + steam = paper
energy + mud = life
life + water = fish
life + air = bird
life + earth = animal
life + clay = human
life + stone = egg
egg + fire = omelette
bird + metal = airplane
fish + fire = meal
animal + field = cow
cow + human = milk
milk + fire = cheese
human + metal = knight
human + tool = farmer
flower + life = bee
bee + flower = honey
sand + sun = desert
desert + water = oasis
desert + plant = cactus
rain + wind = snow
water + wind = ice
snow + snow = snowball
snowball + snowball = snowman
mountain + lava = volcano
mountain + rain = river
river + gravel = road
road + river = bridge
sea + fire = salt
sea + sand = beach
sea + sun = sugar
cloud + earth = fog
electricity + tool = computer
computer + metal = robot
"""


def parse_recipes(text: str) -> dict[frozenset[str], str]:
    """`a + b = c` lines -> {frozenset({a, b}): c}. Each pair makes one item."""
    recipes: dict[frozenset[str], str] = {}
    for line in text.strip().splitlines():
        left, _, result = line.partition("=")
        pair = frozenset(part.strip() for part in left.split("+"))
        if pair in recipes:
            raise ValueError(f"two recipes for {sorted(pair)}: {recipes[pair]} and {result.strip()}")
        recipes[pair] = result.strip()
    return recipes


RECIPES = parse_recipes(RECIPES_TEXT)
ITEMS = sorted({item for pair in RECIPES for item in pair} | set(RECIPES.values()))


def combine(a: str, b: str) -> str | None:
    return RECIPES.get(frozenset((a, b)))


def ways_to_make(item: str) -> list[tuple[str, str]]:
    """Every pair of items that makes `item` (a pair may repeat an item: brick + brick)."""
    pairs = [(min(pair), max(pair)) for pair, result in RECIPES.items() if result == item]
    return sorted(pairs)
