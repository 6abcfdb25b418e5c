export {
  QuantityError,
  ceilDiv,
  formatUnits,
  isNonNegativeInteger,
  isQuantity,
  parseQuantityMilli,
  quantityToNumber,
  quantityValue,
} from './quantity';
